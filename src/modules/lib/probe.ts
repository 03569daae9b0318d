// The small protocol file probes speak. A probe's stdout and stderr arrive merged, so everything a probe
// reports is a line starting with `#deploy:`; anything else (an error message from a tool) is noise that
// the parser keeps only to explain a failure. Every probe in the project speaks it (shell scripts and the
// rows a SQL probe selects alike). Three shapes:
//   #deploy:KEY VALUE                 one fact, e.g. `#deploy:stat file|644|0|0|root|root|12`; a space or a
//                                     tab ends the key (a SQL client separates columns with tabs), and a
//                                     fact with several fields separates them with tabs
//   #deploy:b64 NAME \n ... \n #deploy:end   a file's bytes, base64 (cannot contain the end line)
//   #deploy:list \n rec\0 rec\0 ... #deploy:end   NUL-terminated records (file names may hold newlines)
import { raw, type Script } from "../../util/shell.js";

export const TAG = "#deploy:";

/** Largest file a probe prints for a diff; beyond it plan says the content differs without a diff. */
export const CONTENT_CAP = 256 * 1024;

export type EntryType = "file" | "directory" | "link" | "other";

export interface StatInfo {
  type: EntryType;
  /** Permission bits (including setuid/setgid/sticky). */
  mode: number;
  uid: number;
  gid: number;
  /** Owner name, or the uid as text when the uid has no name. */
  user: string;
  group: string;
  size: number;
}

export interface ProbeReport {
  /** `#deploy:KEY VALUE` lines, every value of each key in order. */
  facts: Map<string, string[]>;
  /** base64 sections, decoded, by name. */
  blobs: Map<string, Buffer>;
  /** NUL record lists, in order of appearance. */
  lists: string[][];
  /** Lines that are not part of the protocol (error messages). */
  noise: string[];
}

const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

export function parseProbe(output: string): ProbeReport {
  const report: ProbeReport = { facts: new Map(), blobs: new Map(), lists: [], noise: [] };
  let pos = 0;
  const nextLine = (): string => {
    const end = output.indexOf("\n", pos);
    const line = end < 0 ? output.slice(pos) : output.slice(pos, end);
    pos = end < 0 ? output.length : end + 1;
    return line;
  };
  while (pos < output.length) {
    const line = nextLine();
    if (!line.startsWith(TAG)) {
      if (line.trim()) report.noise.push(line);
      continue;
    }
    const body = line.slice(TAG.length).replace(/\r$/, "");
    const end = body.search(/[ \t]/);
    const key = end < 0 ? body : body.slice(0, end);
    const value = end < 0 ? "" : body.slice(end + 1);
    if (key === "b64") {
      const chunks: string[] = [];
      while (pos < output.length) {
        const l = nextLine();
        if (l === `${TAG}end`) break;
        chunks.push(l.trim());
      }
      // An error message inside the block (base64 missing, the file vanishing) is noise, never bytes:
      // Buffer.from would decode it without complaint.
      if (chunks.every((c) => BASE64_LINE.test(c))) report.blobs.set(value, Buffer.from(chunks.join(""), "base64"));
      else report.noise.push(...chunks.filter((c) => !BASE64_LINE.test(c)));
    } else if (key === "list") {
      // A record starts with its type letter, never with `#`, so the end line cannot be mistaken for one.
      const records: string[] = [];
      const endLine = `${TAG}end\n`;
      while (pos < output.length && !output.startsWith(endLine, pos) && output.slice(pos) !== `${TAG}end`) {
        const nul = output.indexOf("\0", pos);
        if (nul < 0) break;
        records.push(output.slice(pos, nul));
        pos = nul + 1;
      }
      if (output.startsWith(endLine, pos)) pos += endLine.length;
      report.lists.push(records);
    } else {
      const values = report.facts.get(key) ?? [];
      values.push(value);
      report.facts.set(key, values);
    }
  }
  return report;
}

export function fact(report: ProbeReport, key: string): string | undefined {
  return report.facts.get(key)?.[0];
}

export function hasFact(report: ProbeReport, key: string): boolean {
  return report.facts.has(key);
}

/** Every `key` fact split into its tab-separated fields. */
export function records(report: ProbeReport, key: string): string[][] {
  return (report.facts.get(key) ?? []).map((value) => value.split("\t"));
}

/** Why an absent path cannot be created: its directory is missing, or is not a directory. */
export function missingParent(report: ProbeReport): string | undefined {
  const dir = fact(report, "noparent");
  if (dir === undefined) return undefined;
  return hasFact(report, "parent-not-dir") ? `${dir} is not a directory` : `directory ${dir} does not exist`;
}

/** The last few noise lines, to explain a probe that did not report what it should. */
export function noiseText(report: ProbeReport): string {
  return report.noise.slice(-3).join(" / ") || "no output";
}

// `stat -c` and `find -printf` name types differently; both map here.
function entryType(text: string): EntryType {
  if (text === "f" || text === "regular file" || text === "regular empty file") return "file";
  if (text === "d" || text === "directory") return "directory";
  if (text === "l" || text === "symbolic link") return "link";
  return "other";
}

/** Parse `TYPE|MODE|UID|GID|USER|GROUP|SIZE` (MODE octal), the shape of STAT_FORMAT and LIST_FORMAT. */
export function parseStat(text: string): StatInfo | undefined {
  const parts = text.split("|");
  if (parts.length < 7) return undefined;
  const [type, mode, uid, gid, user, group, size] = parts as [string, string, string, string, string, string, string];
  const info: StatInfo = {
    type: entryType(type),
    mode: parseInt(mode, 8) & 0o7777,
    uid: Number(uid),
    gid: Number(gid),
    user: user === "UNKNOWN" ? uid : user,
    group: group === "UNKNOWN" ? gid : group,
    size: Number(size),
  };
  return Number.isFinite(info.mode) && Number.isFinite(info.uid) && Number.isFinite(info.size) ? info : undefined;
}

/** `stat -c` format producing what parseStat reads. */
export const STAT_FORMAT = "%F|%a|%u|%g|%U|%G|%s";
/** `find -printf` format producing parseStat's fields, then the path relative to the start, NUL-terminated. */
export const LIST_FORMAT = "%y|%m|%U|%G|%u|%g|%s|%P\\0";

/** Split a LIST_FORMAT record into its stat and its relative path. */
export function parseListRecord(record: string): { path: string; stat: StatInfo } | undefined {
  let cut = -1;
  for (let i = 0, bars = 0; i < record.length; i++) {
    if (record[i] === "|" && ++bars === 7) {
      cut = i;
      break;
    }
  }
  if (cut < 0) return undefined;
  const stat = parseStat(record.slice(0, cut));
  return stat ? { path: record.slice(cut + 1), stat } : undefined;
}

/** Why the accounts a task names cannot be used yet, if they do not exist. */
export function missingAccounts(report: ProbeReport): string | undefined {
  const user = fact(report, "nouser");
  if (user !== undefined) return `user ${user} does not exist`;
  const group = fact(report, "nogroup");
  if (group !== undefined) return `group ${group} does not exist`;
  return undefined;
}

export function joinScript(lines: ReadonlyArray<Script>): Script {
  return raw(lines.map((l) => l.text).join("\n"));
}
