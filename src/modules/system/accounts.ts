// Users and groups as getent shows them. Shared by the user and group modules.
import { z } from "zod";

/** What shadow-utils accepts and is safe in every tool we pass it to (no `:`, `,`, spaces or leading `-`). */
export const ACCOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}\$?$/;

export const accountName = z
  .string()
  .regex(ACCOUNT_NAME, "not a valid user or group name (letters, digits, _ . -; not starting with -; at most 32)");

/** A uid/gid: shadow-utils reserves 65535 and (uint32)-1. */
export const accountId = z.number().int().min(0).max(4294967294);

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

/** `name:x:gid:member,member` */
export function parseGroupLine(line: string): GroupEntry | undefined {
  const fields = line.split(":");
  if (fields.length < 4) return undefined;
  const gid = Number(fields[2]);
  if (!Number.isInteger(gid)) return undefined;
  return { name: fields[0]!, gid, members: fields[3]!.split(",").filter((m) => m !== "") };
}

/** `name:x:uid:gid:comment:home:shell` */
export function parsePasswdLine(line: string): PasswdEntry | undefined {
  const fields = line.split(":");
  if (fields.length < 7) return undefined;
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  return { name: fields[0]!, uid, gid, comment: fields[4]!, home: fields[5]!, shell: fields.slice(6).join(":") };
}
