// The file formats as zod schemas (docs/config.md describes the same keys for users). Strict objects: an
// unknown key is an error, reported with the closest known key. These validate the shapes; checks that need
// other files (a group naming an undefined host, a missing role) run after, in the loaders.
import { z } from "zod";
import type { Condition } from "./model.js";

/** Host and group names: also used in patterns, where `:`, `!`, `&`, `,` and `*` have meanings. */
export const NAME = /^[A-Za-z0-9_.-]+$/;
export const NAME_RULE = "use letters, digits, '_', '.' and '-'";

/** Names the expression scope gives a meaning of its own; a var with one of these names would be hidden. */
export const RESERVED_NAMES = ["host", "facts", "groups", "hosts", "item", "vars"] as const;

export const varsSchema = z.record(z.string(), z.unknown());

const stringList = z.union([z.string(), z.array(z.string())]);

/** One condition: a JavaScript expression, or a literal boolean. */
const oneCondition = z.union([z.string().min(1), z.boolean()]);

/**
 * A condition, or a list of them that must all hold, as Ansible reads a list. Each item is a condition of
 * its own (checked and refused as one: `when: [packages]` is still a list var), so they are not joined
 * into one `&&` expression.
 */
const condition = z.union([oneCondition, z.array(oneCondition)], {
  // zod would say the list is neither a string nor a boolean; the item is what is wrong.
  error: (issue) => (Array.isArray(issue.input) ? badConditionItem(issue.input) : undefined),
});

function badConditionItem(list: unknown[]): string | undefined {
  const i = list.findIndex((item) => !(typeof item === "boolean" || (typeof item === "string" && item !== "")));
  if (i < 0) return undefined;
  const item = list[i];
  const got = item === null ? "null" : Array.isArray(item) ? "a list" : typeof item === "object" ? "a map" : item === "" ? "an empty string" : `${typeof item === "number" ? "a number" : typeof item} (${String(item)})`;
  return `item ${i} of the list is ${got}: each item of a list of conditions is an expression or true/false (all must hold)`;
}

export const settingsSchema = z.strictObject({
  known_hosts: z.string().min(1).optional(),
  host_key_checking: z.enum(["strict", "accept-new", "off"]).optional(),
  connect_timeout: z.number().positive().max(3600).optional(),
  vars_files: stringList.optional(),
  vault_password_file: z.string().min(1).optional(),
});

export const hostSchema = z.strictObject({
  address: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).optional(),
  identity_file: z.string().min(1).optional(),
  jump: z.string().min(1).optional(),
  become: z.boolean().optional(),
  become_user: z.string().min(1).optional(),
  connection: z.enum(["ssh", "local"]).optional(),
  vars: varsSchema.nullable().optional(),
});

export const groupSchema = z.strictObject({
  hosts: z.array(z.string()).nullable().optional(),
  children: z.array(z.string()).nullable().optional(),
  vars: varsSchema.nullable().optional(),
});

export const inventorySchema = z.strictObject({
  settings: settingsSchema.nullable().optional(),
  lab: z.strictObject({ bridge: z.string().min(1).optional() }).nullable().optional(),
  vars: varsSchema.nullable().optional(),
  hosts: z.record(z.string(), hostSchema).nullable().optional(),
  groups: z.record(z.string(), groupSchema.nullable()).nullable().optional(),
});

export type RawInventory = z.infer<typeof inventorySchema>;
export type RawHost = z.infer<typeof hostSchema>;

/** Task keywords: every other key of a task is its module. */
export const taskKeywordsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  when: condition.optional(),
  register: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, "register must be a name usable in expressions (letters, digits, '_')").optional(),
  notify: stringList.optional(),
  tags: stringList.optional(),
  loop: z.union([z.array(z.unknown()), z.string().regex(/\{\{[\s\S]*\}\}/, "plain text is not a list: give a list, or an expression giving one (\"{{ packages }}\")")]).optional(),
  changed_when: condition.optional(),
  failed_when: condition.optional(),
  ignore_errors: z.boolean().optional(),
  become: z.boolean().optional(),
  delegate_to: z.string().min(1).optional(),
});

export const handlerKeywordsSchema = taskKeywordsSchema.extend({
  listen: stringList.optional(),
});

export const TASK_KEYWORDS = Object.keys(handlerKeywordsSchema.shape);

export type RawTaskKeywords = z.infer<typeof handlerKeywordsSchema>;

export const roleRefSchema = z.union([
  z.string().min(1),
  z.strictObject({
    role: z.string().min(1),
    vars: varsSchema.nullable().optional(),
    tags: stringList.optional(),
    when: condition.optional(),
  }),
]);

/** Ansible's `hosts: [web, db]`: deploy's pattern is one string, the same hosts are `web,db`. */
function hostsListMessage(input: unknown): string | undefined {
  if (!Array.isArray(input) || input.length === 0) return undefined;
  const names = input.every((item) => typeof item === "string") ? input.join(",") : "web,db";
  return `a play's hosts is one pattern, not a list: write \`hosts: ${names}\` (hosts of any of them)`;
}

export const playSchema = z.strictObject({
  name: z.string().min(1).optional(),
  hosts: z.string({ error: (issue) => hostsListMessage(issue.input) }).min(1),
  become: z.boolean().optional(),
  gather_facts: z.boolean().optional(),
  serial: z
    .union([
      z.number().int().positive(),
      z.string().regex(/^(100|[1-9][0-9]?)%$/, 'serial must be a number of hosts or a percentage such as "50%"'),
    ])
    .optional(),
  max_fail_percentage: z.number().min(0).max(100).optional(),
  tags: stringList.optional(),
  vars: varsSchema.nullable().optional(),
  roles: z.array(roleRefSchema).nullable().optional(),
  // Tasks and handlers are checked one by one (their module key is dynamic) by the task loader.
  tasks: z.array(z.unknown()).nullable().optional(),
  handlers: z.array(z.unknown()).nullable().optional(),
});

export const playbookSchema = z.array(z.unknown());

export type RawPlay = z.infer<typeof playSchema>;

export function asList(value: string | string[] | undefined | null): string[] {
  if (value === undefined || value === null) return [];
  return typeof value === "string" ? [value] : value;
}

/** A `when`-like field as the expression text the evaluator takes (`true` -> "true"); a list stays a list (all must hold). */
export function asCondition(value: string | boolean | Array<string | boolean> | undefined): Condition | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(String) : String(value);
}

/** The conditions a `when`-like field holds, all of which must hold: none, one, or a list's items. */
export function allConditions(value: Condition | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : [...value];
}
