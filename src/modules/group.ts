// `group`: a local group, checked with getent and changed with groupadd/groupmod/groupdel.
import { z } from "zod";
import { sh, type Script } from "../util/shell.js";
import type { Module, Plan } from "./types.js";
import { fact, parseProbe } from "./lib/probe.js";
import { accountId, accountName, parseGroupLine } from "./system/accounts.js";
import { tail } from "./lib/tail.js";

export const groupSchema = z
  .strictObject({
    name: accountName.describe("Group name."),
    gid: accountId.optional().describe("Numeric group id; changed with groupmod when it differs."),
    system: z.boolean().default(false).describe("Create as a system group (gid from the system range). Only used when creating."),
    state: z.enum(["present", "absent"]).default("present").describe("present: the group exists; absent: it does not."),
  })
  .describe("Create, change or remove a local group.");

export type GroupParams = z.infer<typeof groupSchema>;

/**
 * What groupadd, groupmod or groupdel would refuse, read by getent (a number is taken as an id): the group
 * that has the gid asked for, or for removal the users whose primary group it is.
 */
function conflictScript(params: GroupParams): { script: Script } | undefined {
  if (params.state === "absent") {
    return {
      script: sh`if e=$(getent group ${params.name}); then g=\${e#*:*:}; g=\${g%%:*}; getent passwd | while IFS=: read -r u _ _ ug _; do [ "$ug" != "$g" ] || printf '#deploy:primary-of %s\n' "$u"; done; fi`,
    };
  }
  if (params.gid === undefined) return undefined;
  return { script: sh`if e=$(getent group ${String(params.gid)}); then printf '#deploy:gid-of %s\n' "\${e%%:*}"; fi` };
}

type GroupChange = { action: "create" } | { action: "gid"; from: number } | { action: "remove" };

export const groupModule: Module<GroupParams, undefined> = {
  name: "group",
  description: "Create, change or remove a local group.",
  schema: groupSchema,

  probe(params) {
    return { lookups: [{ kind: "account", db: "group", name: params.name }], ...(conflictScript(params) ?? {}) };
  },

  decide(params, _prepared, observed): Plan {
    const report = parseProbe(observed?.output ?? "");
    const line = fact(report, "group");
    const entry = line !== undefined ? parseGroupLine(line) : undefined;
    if (line !== undefined && !entry) return { kind: "fail", message: `group: cannot read getent output: ${line}` };
    if (params.state === "absent") {
      if (!entry) return { kind: "ok" };
      const users = report.facts.get("primary-of") ?? [];
      // Blocked, not failed: an earlier task of the play may still remove those users or move them.
      if (users.length > 0) {
        const who = `${users.length === 1 ? "user" : "users"} ${users.join(", ")}`;
        return { kind: "blocked", reason: `group ${params.name} is the primary group of ${who} (groupdel refuses): remove ${users.length === 1 ? "that user" : "those users"} or give ${users.length === 1 ? "it" : "them"} another group first` };
      }
      return { kind: "change", summary: `remove group ${params.name}`, detail: { action: "remove" } };
    }
    const gidOf = fact(report, "gid-of");
    if (params.gid !== undefined && gidOf !== undefined && gidOf !== params.name) {
      return { kind: "blocked", reason: `group ${params.name}: gid ${params.gid} is taken by group ${gidOf} (groupadd and groupmod refuse a gid in use)` };
    }
    if (!entry) {
      const gid = params.gid !== undefined ? ` (gid ${params.gid})` : params.system ? " (system)" : "";
      return { kind: "change", summary: `create group ${params.name}${gid}`, detail: { action: "create" } };
    }
    if (params.gid !== undefined && entry.gid !== params.gid) {
      return {
        kind: "change",
        summary: `group ${params.name}: gid ${entry.gid} -> ${params.gid}`,
        detail: { action: "gid", from: entry.gid },
      };
    }
    return { kind: "ok" };
  },

  async apply(params, _prepared, change, ctx) {
    const detail = change.detail as GroupChange;
    const gid = params.gid !== undefined ? ["-g", String(params.gid)] : [];
    const command =
      detail.action === "create"
        ? sh`groupadd ${gid} ${params.system ? ["-r"] : []} ${params.name}`
        : detail.action === "gid"
          ? sh`groupmod ${gid} ${params.name}`
          : sh`groupdel ${params.name}`;
    const result = await ctx.run(command);
    if (result.exitCode !== 0) return { changed: false, failed: `${command.text.split(" ")[0]} failed: ${tail(result.stderr || result.stdout)}` };
    return { changed: true };
  },
};
