// `user`: a local account, checked with getent (passwd, group, shadow) in one probe and changed with one
// useradd, usermod or userdel call.
import { z } from "zod";
import { raw, sh, type Script } from "../util/shell.js";
import type { Module, Plan } from "./types.js";
import type { Lookup, Probe } from "./lib/lookup.js";
import { fact, parseProbe } from "./lib/probe.js";
import { accountId, accountName, parseGroupLine, parsePasswdLine, type GroupEntry, type PasswdEntry } from "./system/accounts.js";
import { tail } from "./lib/tail.js";

const absolutePath = z.string().regex(/^\/[^\n:]*$/, "must be an absolute path without ':' or newlines");

export const userSchema = z
  .strictObject({
    name: accountName.describe("User name."),
    state: z.enum(["present", "absent"]).default("present").describe("present: the account exists; absent: it does not."),
    uid: accountId.optional().describe("Numeric user id."),
    group: z
      .union([accountName, accountId])
      .optional()
      .describe("Primary group (name or gid). Unset on creation: a group named like the user (Debian's default)."),
    groups: z.array(accountName).optional().describe("Supplementary groups."),
    append: z.boolean().default(false).describe("true: add `groups` to the current ones; false: exactly `groups`."),
    home: absolutePath.optional().describe("Home directory."),
    move_home: z.boolean().default(false).describe("When `home` changes, move the old directory's content there."),
    create_home: z.boolean().default(true).describe("Create the home directory when creating the user."),
    shell: absolutePath.optional().describe("Login shell, e.g. /bin/bash or /usr/sbin/nologin."),
    comment: z.string().regex(/^[^\n:]*$/, "must not contain ':' or newlines").optional().describe("GECOS field (full name)."),
    system: z.boolean().default(false).describe("Create as a system account (uid from the system range). Only used when creating."),
    password: z
      .string()
      .regex(/^[^\n:]+$/, "must be a crypt(3) hash without ':' or newlines")
      .optional()
      .describe("Password HASH as in /etc/shadow (e.g. from `mkpasswd -m yescrypt`), never a clear-text password."),
    update_password: z.enum(["always", "on_create"]).default("always").describe("on_create: set `password` only for a new user."),
    remove: z.boolean().default(false).describe("With state absent: also remove the home directory and mail spool."),
  })
  .describe("Create, change or remove a local user account.");

export type UserParams = z.infer<typeof userSchema>;

/** Groups named in the params whose gid the probe must resolve. */
function namedGroups(params: UserParams): string[] {
  const names = [...(params.groups ?? [])];
  if (typeof params.group === "string") names.unshift(params.group);
  return [...new Set(names)];
}

/**
 * Groups the probe looks up: the named ones, and without `group` the one useradd would create, named
 * like the user (Debian's USERGROUPS_ENAB), which must not exist yet.
 */
function lookedUpGroups(params: UserParams): string[] {
  const names = namedGroups(params);
  return params.group === undefined && params.state === "present" && !names.includes(params.name) ? [...names, params.name] : names;
}

export function userProbe(params: UserParams): Probe {
  const lookups: Lookup[] = [
    { kind: "account", db: "passwd", name: params.name },
    ...lookedUpGroups(params).map((name) => ({ kind: "account", db: "group", name }) as const),
  ];
  const lines: Script[] = [];
  // getent takes a number as an id: the account that has the uid asked for, if any (useradd -u and
  // usermod -u refuse a uid another account has).
  if (params.state === "present" && params.uid !== undefined) {
    lines.push(sh`if e=$(getent passwd ${String(params.uid)}); then printf '#deploy:uid-of %s\n' "\${e%%:*}"; fi`);
  }
  // Only a home useradd will create (-m) can clash with a directory already there; with create_home:
  // false (useradd -M) an existing home, whoever owns it (/var/www of www-data, /dev/null), is the point.
  if (params.state === "present" && params.create_home) lines.push(homeProbe(params));
  if (params.groups !== undefined) {
    lines.push(sh`printf '#deploy:member-of %s\\n' "$(getent group | awk -F: -v u=${params.name} '{ n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) { printf "%s,", $1; break } }')"`);
  }
  if (params.password !== undefined) {
    // Compared on the host so the current hash never leaves it; reading shadow needs root (become).
    lines.push(
      sh`if s=$(getent shadow ${params.name} 2>/dev/null); then h=\${s#*:}; h=\${h%%:*}; if [ "$h" = ${params.password} ]; then echo '#deploy:password same'; else echo '#deploy:password differs'; fi; else echo '#deploy:password unreadable'; fi`,
    );
  }
  return lines.length ? { lookups, script: raw(lines.map(String).join("\n")) } : { lookups };
}

/**
 * What is already at the home a new user would get (`home`, else useradd's HOME default + name): owner
 * uid and its account name (UNKNOWN when none), mode, type and path. useradd takes an existing directory as it is, with a warning on stderr only.
 * Builtins, and stat only when something is there: this runs for every user task.
 */
function homeProbe(params: UserParams): Script {
  const where =
    params.home !== undefined
      ? sh`h=${params.home}`
      : raw(
          [
            "b=/home",
            "if [ -r /etc/default/useradd ]; then while IFS== read -r k v; do [ \"$k\" = HOME ] && [ -n \"$v\" ] && b=$v; done < /etc/default/useradd; fi",
            sh`h=$b/${params.name}`.text,
          ].join("\n"),
        );
  return raw(`${where.text}\nif [ -e "$h" ] || [ -L "$h" ]; then printf '#deploy:home %s|%s\\n' "$(stat -c '%u|%U|%a|%F' -- "$h")" "$h"; fi`);
}

/** Something already at the new user's home. */
export interface ExistingHome {
  path: string;
  uid: number;
  /** The account that owns it, when the uid has one. */
  owner?: string;
  mode: string;
  type: string;
}

export interface UserObservation {
  user?: PasswdEntry;
  groups: Map<string, GroupEntry>;
  missingGroups: string[];
  /** Supplementary groups the user is listed in; undefined when not probed. */
  memberOf?: string[];
  password: "same" | "differs" | "unreadable" | "unknown";
  home?: ExistingHome;
  /** The account that has the uid asked for; undefined when none has it or it was not asked. */
  uidOf?: string;
}

export function parseUserProbe(output: string): UserObservation {
  const report = parseProbe(output);
  const passwd = fact(report, "passwd");
  const password = fact(report, "password");
  const memberOf = fact(report, "member-of");
  const observation: UserObservation = {
    user: passwd !== undefined ? parsePasswdLine(passwd) : undefined,
    groups: new Map(),
    missingGroups: report.facts.get("nogroup") ?? [],
    password: password === "same" || password === "differs" || password === "unreadable" ? password : "unknown",
  };
  for (const line of report.facts.get("group") ?? []) {
    const entry = parseGroupLine(line);
    if (entry) observation.groups.set(entry.name, entry);
  }
  const uidOf = fact(report, "uid-of");
  if (uidOf !== undefined) observation.uidOf = uidOf;
  if (memberOf !== undefined) observation.memberOf = memberOf.split(",").filter((g) => g !== "");
  const home = /^(\d+)\|([^|]*)\|([0-7]+)\|([^|]*)\|(.*)$/.exec(fact(report, "home") ?? "");
  if (home) {
    observation.home = { uid: Number(home[1]), mode: home[3]!.padStart(4, "0"), type: home[4]!, path: home[5]! };
    if (home[2] !== "UNKNOWN" && home[2] !== "") observation.home.owner = home[2]!;
  }
  return observation;
}

/** usermod/useradd options that differ, with a human word for each. */
export interface UserDiff {
  args: string[];
  words: string[];
}

/** What usermod must change on an existing user. Pure. */
export function userDiff(params: UserParams, user: PasswdEntry, seen: UserObservation): UserDiff {
  const diff: UserDiff = { args: [], words: [] };
  if (params.uid !== undefined && params.uid !== user.uid) {
    diff.args.push("-u", String(params.uid));
    diff.words.push(`uid ${user.uid} -> ${params.uid}`);
  }
  if (params.group !== undefined) {
    const gid = typeof params.group === "number" ? params.group : seen.groups.get(params.group)?.gid;
    if (gid !== undefined && gid !== user.gid) {
      diff.args.push("-g", String(params.group));
      diff.words.push(`group -> ${params.group}`);
    }
  }
  if (params.groups !== undefined && seen.memberOf !== undefined) {
    const primary = [...seen.groups.values()].find((g) => g.gid === user.gid)?.name;
    const wanted = params.groups.filter((g) => g !== primary);
    const current = seen.memberOf.filter((g) => g !== primary);
    const added = wanted.filter((g) => !current.includes(g));
    const removed = params.append ? [] : current.filter((g) => !wanted.includes(g));
    if (added.length > 0 || removed.length > 0) {
      if (params.append) diff.args.push("-a", "-G", added.join(","));
      else diff.args.push("-G", wanted.join(","));
      diff.words.push(`groups ${[...added.map((g) => `+${g}`), ...removed.map((g) => `-${g}`)].join(" ")}`);
    }
  }
  if (params.home !== undefined && params.home !== user.home) {
    diff.args.push("-d", params.home, ...(params.move_home ? ["-m"] : []));
    diff.words.push(`home ${user.home} -> ${params.home}`);
  }
  if (params.shell !== undefined && params.shell !== user.shell) {
    diff.args.push("-s", params.shell);
    diff.words.push(`shell ${user.shell} -> ${params.shell}`);
  }
  if (params.comment !== undefined && params.comment !== user.comment) {
    diff.args.push("-c", params.comment);
    diff.words.push(`comment '${params.comment}'`);
  }
  if (params.password !== undefined && params.update_password === "always" && seen.password === "differs") {
    diff.args.push("-p", params.password);
    diff.words.push("password");
  }
  return diff;
}

/** useradd options for a new user, with the words of the summary. */
export function userCreate(params: UserParams): UserDiff {
  const diff: UserDiff = { args: [], words: [] };
  const add = (args: string[], word?: string) => {
    diff.args.push(...args);
    if (word) diff.words.push(word);
  };
  if (params.uid !== undefined) add(["-u", String(params.uid)], `uid ${params.uid}`);
  if (params.group !== undefined) add(["-g", String(params.group)], `group ${params.group}`);
  if (params.groups !== undefined && params.groups.length > 0) add(["-G", params.groups.join(",")], `groups ${params.groups.join(",")}`);
  if (params.home !== undefined) add(["-d", params.home], `home ${params.home}`);
  if (params.shell !== undefined) add(["-s", params.shell], `shell ${params.shell}`);
  if (params.comment !== undefined) add(["-c", params.comment]);
  if (params.system) add(["-r"], "system");
  add([params.create_home ? "-m" : "-M"]);
  if (params.password !== undefined) add(["-p", params.password], "password");
  return diff;
}

/** Why useradd or usermod would refuse what the task asks, known from the probe. */
function accountConflict(params: UserParams, seen: UserObservation): string | undefined {
  const { name } = params;
  if (params.uid !== undefined && seen.uidOf !== undefined && seen.uidOf !== name && seen.user?.uid !== params.uid) {
    return `user ${name}: uid ${params.uid} is taken by user ${seen.uidOf} (useradd and usermod refuse a uid in use)`;
  }
  const sameName = seen.groups.get(name);
  if (!seen.user && params.group === undefined && sameName !== undefined) {
    return (
      `user ${name}: group ${name} (gid ${sameName.gid}) already exists, and useradd refuses to create the user's own group over it; ` +
      `give group: ${name} to make it the user's primary group`
    );
  }
  return undefined;
}

type UserChange = { action: "create" | "modify"; args: string[] } | { action: "remove" };

export const userModule: Module<UserParams, undefined> = {
  name: "user",
  description: "Create, change or remove a local user account.",
  schema: userSchema,

  probe(params) {
    return userProbe(params);
  },

  decide(params, _prepared, observed): Plan {
    const seen = parseUserProbe(observed?.output ?? "");
    const { name } = params;
    if (params.state === "absent") {
      if (!seen.user) return { kind: "ok" };
      return { kind: "change", summary: `remove user ${name}${params.remove ? " and its home" : ""}`, detail: { action: "remove" } };
    }
    const missingGroups = seen.missingGroups.filter((group) => namedGroups(params).includes(group));
    if (missingGroups.length > 0) {
      return { kind: "blocked", reason: `group ${missingGroups.join(", ")} does not exist (needed by user ${name})` };
    }
    const conflict = accountConflict(params, seen);
    // Blocked, not failed: an earlier task of the play may still free the uid or remove the group.
    if (conflict !== undefined) return { kind: "blocked", reason: conflict };
    if (params.password !== undefined && seen.password === "unreadable" && seen.user && params.update_password === "always") {
      return { kind: "fail", message: `user ${name}: cannot read /etc/shadow to compare the password (use become)` };
    }
    if (!seen.user) {
      const home = params.create_home ? seen.home : undefined;
      if (home !== undefined && home.type !== "directory") {
        return { kind: "fail", message: `user ${name}: home ${home.path} exists and is a ${home.type}, not a directory` };
      }
      // Another account's directory: useradd would only warn, and the new user could not use its home
      // (nor keep it private). A home kept for this user is one given with the owner's uid; root's is the
      // usual home of a service account (/var/lib/x made by its package), taken as it is.
      if (home !== undefined && home.uid !== 0 && home.uid !== params.uid) {
        // A uid that is still an account's is no uid to give (useradd refuses a taken uid): sharing that
        // account's directory is create_home: false; a left-over uid can be taken over.
        const owner = home.owner !== undefined ? `${home.owner} (uid ${home.uid})` : `uid ${home.uid}`;
        const ways = home.owner !== undefined ? "Give create_home: false to use it as it is" : `Give uid: ${home.uid} to take it over`;
        return {
          kind: "fail",
          message:
            `user ${name}: home ${home.path} already exists, owned by ${owner} (mode ${home.mode}); the new user could not use it. ` +
            `${ways}, or move it away or chown it first`,
        };
      }
      const create = userCreate(params);
      if (home !== undefined) create.words.push(`home ${home.path} exists, owned by ${home.uid === 0 ? "root" : `uid ${home.uid}`}, kept`);
      const words = create.words.length > 0 ? ` (${create.words.join(", ")})` : "";
      return { kind: "change", summary: `create user ${name}${words}`, detail: { action: "create", args: create.args } };
    }
    const diff = userDiff(params, seen.user, seen);
    if (diff.args.length === 0) return { kind: "ok" };
    return { kind: "change", summary: `user ${name}: ${diff.words.join(", ")}`, detail: { action: "modify", args: diff.args } };
  },

  async apply(params, _prepared, change, ctx) {
    const detail = change.detail as UserChange;
    const tool = detail.action === "create" ? "useradd" : detail.action === "modify" ? "usermod" : "userdel";
    const args = detail.action === "remove" ? (params.remove ? ["-r"] : []) : detail.args;
    const result = await ctx.run(sh`${tool} ${args} ${params.name}`);
    // userdel -r exits 12 when the home directory could not be removed (e.g. it never existed): the user is gone.
    const ok = result.exitCode === 0 || (tool === "userdel" && result.exitCode === 12);
    if (!ok) return { changed: false, failed: `${tool} failed: ${tail(result.stderr || result.stdout)}` };
    // useradd and usermod succeed with warnings ("the home directory already exists", "not copying any
    // file from skel"): they are the only word that the account may not be what it seems.
    const warning = tail(result.stderr);
    return warning !== "" ? { changed: true, summary: `${change.summary}; ${warning}` } : { changed: true };
  },
};
