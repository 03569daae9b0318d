// Parameter pieces every file module shares, so a mode, an owner or a path means the same everywhere.
import { z } from "zod";

const MODE = /^0?[0-7]{3,4}$/;

/**
 * File modes are octal STRINGS. YAML 1.2 reads an unquoted 0644 as the decimal number 644, which would
 * silently become mode 1204; so a number is rejected, with the fix for where it came from (param-origin.ts).
 */
export const modeSchema = z
  .string()
  .regex(MODE, 'mode must be octal digits such as "0644" or "2755"')
  .describe('Octal permission bits as a quoted string, e.g. "0644".');

// User and group names as useradd accepts them, or numeric ids.
const NAME = /^(?:[A-Za-z_][A-Za-z0-9_.-]*\$?|[0-9]+)$/;

export const ownerSchema = z
  .string()
  .regex(NAME, "owner must be a user name or a numeric uid")
  .describe("User that owns the file (name or numeric uid).");

export const groupSchema = z
  .string()
  .regex(NAME, "group must be a group name or a numeric gid")
  .describe("Group of the file (name or numeric gid).");

/** Absolute paths only: a relative path would depend on the login directory of whoever runs the task. */
export const absolutePathSchema = z
  .string()
  .min(1)
  .refine((p) => p.startsWith("/"), "must be an absolute path")
  .refine((p) => !p.includes("\0"), "must not contain NUL")
  .refine((p) => !p.split("/").includes(".."), "must not contain '..'");

/**
 * Validation command run against the staged file before it replaces the real one; `%s` is the staged
 * path. Written by the role author like a task's `command`: script text, not a value.
 */
export const validateSchema = z
  .string()
  .min(1)
  .describe("Command that checks the staged file before it replaces the real one; %s is the staged file's path.");

export const backupSchema = z
  .boolean()
  .describe("Keep the previous version as <path>.<UTC timestamp>.bak before replacing it (e.g. motd.20261129T163500.123456789Z.bak: to the nanosecond, so each backup has a name of its own and names sort by time).");

/** The numeric permission bits of a mode string ("0644", "644", "2755"). */
export function modeBits(mode: string): number {
  return parseInt(mode, 8) & 0o7777;
}

/** A mode in the canonical 4-digit form used in summaries. */
export function formatMode(bits: number): string {
  return bits.toString(8).padStart(4, "0");
}
