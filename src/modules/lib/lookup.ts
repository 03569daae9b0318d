// Checks many tasks ask for, run by the engine for a whole batch at once: one `stat` for every path, one
// `sha256sum` for every file, one `getent` per database, one `systemctl show` for every unit, one database
// client session per login. A task that would otherwise start a subshell and three tools per file costs a
// few shell builtins. The engine hands each task its answers in the probe protocol of probe.ts, as if its
// own script had printed them:
//   entry    #deploy:stat TYPE|MODE|...  or  #deploy:absent (and #deploy:noparent DIR when its directory is missing,
//            plus #deploy:parent-not-dir when DIR exists but is not a directory)
//   content  #deploy:sha256 HASH, and #deploy:b64 current ... #deploy:end when the file differs from
//            expectedSha256 (always, without one) and is at most CONTENT_CAP bytes; nothing for a
//            path that is not a regular file
//   account  #deploy:passwd ENTRY / #deploy:group ENTRY (getent's line), or #deploy:nouser NAME /
//            #deploy:nogroup NAME when the account does not exist
//   unit     #deploy:PROPERTY VALUE for each `systemctl show` property of UNIT_PROPERTIES,
//            #deploy:unit-file when one of `files` exists, or #deploy:no-systemctl
//   sql      what probeScript (mysql/client.ts) prints for the same statements and follow-ups; one client
//            session per login for all of them (mysql/sql-lookup.ts)
import type { Script } from "../../util/shell.js";
import type { SqlLookup } from "../mysql/sql-lookup.js";

export type Lookup =
  | { kind: "entry"; path: string }
  | { kind: "content"; path: string; expectedSha256?: string }
  | { kind: "account"; db: "passwd" | "group"; name: string }
  | { kind: "unit"; name: string; files: string[] }
  | SqlLookup;

/** What a module asks the host: shared lookups, and a script of its own for anything else. */
export interface Probe {
  lookups?: Lookup[];
  /** Runs in its own subshell, stdout and stderr merged. */
  script?: Script;
}

export const UNIT_PROPERTIES = ["LoadState", "ActiveState", "UnitFileState", "NeedDaemonReload", "FragmentPath"];

export function scriptProbe(script: Script): Probe {
  return { script };
}

/** Lookups reporting `#deploy:nouser` / `#deploy:nogroup` for names that do not exist (yet: plan reports that as blocked). */
export function accountLookups(owner: string | undefined, group: string | undefined): Lookup[] {
  // Numeric ids need no entry in the user database, so they are not checked.
  const named = (name: string | undefined): name is string => name !== undefined && !/^[0-9]+$/.test(name);
  return [
    ...(named(owner) ? [{ kind: "account", db: "passwd", name: owner } as const] : []),
    ...(named(group) ? [{ kind: "account", db: "group", name: group } as const] : []),
  ];
}

/** Identity of a probe: a cached observation holds for a new probe with the same key. */
export function probeKey(probe: Probe | undefined): string {
  return probe ? JSON.stringify([probe.script?.text ?? null, probe.lookups ?? []]) : "";
}
