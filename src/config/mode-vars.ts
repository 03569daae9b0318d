// A file mode given as one var (`mode: "{{ file_mode }}"`) whose value was written unquoted in a YAML file
// (`file_mode: 0644`, which YAML reads as the decimal number 644; `0o644`, YAML's octal, still a number).
// The module refuses the number only when the task renders, on every host, at the task; the mistake is at
// the var's definition, and its value is known now. Only the plain one-variable expression is judged: anything else is evaluated at run time.
import type { z } from "zod";
import { getModule } from "../modules/registry.js";
import { modeNumberMessage } from "../modules/lib/param-origin.js";
import { modeSchema } from "../modules/lib/params.js";
import { radixModeMessage, writtenText } from "./mode-text.js";
import type { LoadedInventory } from "./inventory.js";
import type { Host, Location, Vars } from "./model.js";
import { resolvePattern } from "./patterns.js";
import type { LoadedPlay } from "./playbook.js";
import { formatLocation, type Problems } from "./problems.js";
import type { LoadedRole } from "./roles.js";
import { RESERVED_NAMES } from "./schemas.js";
import { formatPath, type PathSegment, type SourceFile } from "./source.js";
import { locate } from "./locate.js";
import type { ParsedTask } from "./tasks.js";
import { schemaAt } from "./validate.js";

const ONE_VAR = /^\s*\{\{\s*([A-Za-z_$][\w$]*)\s*\}\}\s*$/;

export interface ModeVarInputs {
  inventory: LoadedInventory;
  playbookSource: SourceFile;
  plays: readonly LoadedPlay[];
  roles: ReadonlyMap<string, LoadedRole>;
  extraVars: Vars;
}

interface ModeUse {
  name: string;
  at: Location;
  path: string;
  /** A role's task (role params and role defaults apply to it) rather than the play's own. */
  inRole: boolean;
}

/** `mode` parameters written as exactly one var. */
function modeUses(parsed: ParsedTask, inRole: boolean): ModeUse[] {
  const module = getModule(parsed.task.module);
  if (!module) return [];
  const uses: ModeUse[] = [];
  for (const [key, value] of Object.entries(parsed.task.params)) {
    const name = typeof value === "string" ? ONE_VAR.exec(value)?.[1] : undefined;
    if (name === undefined || (RESERVED_NAMES as readonly string[]).includes(name)) continue;
    if (schemaAt(module.schema as z.ZodType, [key]) !== modeSchema) continue;
    const at = [...parsed.paramsPath, key];
    uses.push({ name, at: locate(parsed.source, at), path: formatPath(at), inRole });
  }
  return uses;
}

interface Definition {
  value: unknown;
  source: SourceFile;
  path: PathSegment[];
}

/**
 * Where the value a host sees for `name` was written, when that is an inventory level (inline `vars:`,
 * group, host) or the play's vars; undefined when it is set elsewhere (role defaults or parameters, a vars
 * file, `-e`), whose positions are not at hand: those are still checked when the task renders.
 */
function winningDefinition(name: string, host: Host, loaded: LoadedPlay, use: ModeUse, inputs: ModeVarInputs): Definition | undefined {
  if (Object.hasOwn(inputs.extraVars, name)) return undefined;
  if (use.inRole && loaded.play.roles.some((ref) => Object.hasOwn(ref.params, name))) return undefined;
  if (Object.hasOwn(loaded.play.vars, name)) return { value: loaded.play.vars[name], source: inputs.playbookSource, path: [loaded.index, "vars", name] };
  const { inventory, source } = inputs.inventory;
  if (Object.hasOwn(host.vars, name)) return { value: host.vars[name], source, path: ["hosts", host.name, "vars", name] };
  for (const group of [...host.groups].reverse()) {
    const vars = inventory.groups.get(group)?.vars;
    if (vars && Object.hasOwn(vars, name)) return { value: vars[name], source, path: ["groups", group, "vars", name] };
  }
  const inline = (source.value as { vars?: Vars } | null)?.vars;
  // A vars file given in settings overrides the inline value: then the one seen is not the one written here.
  if (inline && Object.hasOwn(inline, name) && inline[name] === inventory.vars[name]) return { value: inline[name], source, path: ["vars", name] };
  return undefined;
}

/** Report each var definition that gives a mode a number, once, with the first task that uses it. */
export function checkModeVars(inputs: ModeVarInputs, projectDir: string, problems: Problems): void {
  const { inventory } = inputs.inventory;
  // A role's task used by several plays is one use.
  const found = new Map<string, { uses: Map<string, ModeUse>; definition: Definition; value: number }>();
  for (const loaded of inputs.plays) {
    const parsed = [
      ...loaded.play.roles.flatMap((ref) => (inputs.roles.get(ref.name)?.parsed ?? []).map((p) => ({ p, inRole: true }))),
      ...loaded.parsed.map((p) => ({ p, inRole: false })),
    ];
    // A registered result of that name replaces the var for the tasks after it: its value is not known now.
    const registered = new Set(parsed.flatMap(({ p }) => (p.task.register === undefined ? [] : [p.task.register])));
    const uses = parsed.flatMap(({ p, inRole }) => modeUses(p, inRole)).filter((use) => !registered.has(use.name));
    if (uses.length === 0) continue;
    // A pattern's own problems are reported by the play's checks.
    const hosts = resolvePattern(loaded.play.hosts, inventory).hosts.flatMap((name) => inventory.hosts.get(name) ?? []);
    for (const use of uses) {
      for (const host of hosts) {
        const definition = winningDefinition(use.name, host, loaded, use, inputs);
        if (definition === undefined || typeof definition.value !== "number") continue;
        const key = `${definition.source.file}\0${definition.path.join("\0")}`;
        const seen = found.get(key) ?? { uses: new Map<string, ModeUse>(), definition, value: definition.value };
        seen.uses.set(formatLocation(use.at, projectDir), use);
        found.set(key, seen);
      }
    }
  }
  for (const { uses, definition, value } of found.values()) {
    const [first] = uses.values();
    if (!first) continue;
    const also = uses.size > 1 ? ` and ${uses.size - 1} more` : "";
    const where = `${formatLocation(first.at, projectDir)}: ${first.path}${also}`;
    problems.add(locate(definition.source, definition.path), formatPath(definition.path), `\`${first.name}\` is used as a mode (${where}): ${radixModeMessage(value, writtenText(definition.source, definition.path)) ?? modeNumberMessage(value, "yaml")}`);
  }
}
