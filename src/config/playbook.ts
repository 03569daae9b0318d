// Playbook file -> plays. Each play is validated on its own and its tasks one by one, so every problem of
// the file is reported in one pass. Cross-references (patterns, roles, handlers) are checked by project.ts.
import path from "node:path";
import type { Handler, Play, Playbook, RoleRef, Vars } from "./model.js";
import type { Problems } from "./problems.js";
import { asCondition, asList, playSchema, playbookSchema, roleRefSchema, type RawPlay } from "./schemas.js";
import { formatPath, readSource, type PathSegment, type SourceFile } from "./source.js";
import { checkAnsibleVars, type HintPlace } from "./ansible-hints.js";
import { itemLocations, locate } from "./locate.js";
import { checkConditions, parseTask, type ParsedTask } from "./tasks.js";
import { describeValue, validate } from "./validate.js";
import { checkVarNames } from "./vars-files.js";

export interface LoadedPlay {
  play: Play;
  index: number;
  /** The play's own tasks and handlers, parsed. */
  parsed: ParsedTask[];
  /** Location of the `hosts:` value, for pattern problems. */
  hostsLocation: ReturnType<typeof locate>;
  /** False when the play itself had problems (it is still returned so its roles and tasks get checked). */
  valid: boolean;
  /** Message path of each of `play.roles` (`[0].roles[5]`): invalid entries are left out of the roles, not out of the count. */
  rolePaths: string[];
}

export interface LoadedPlaybook {
  playbook: Playbook;
  plays: LoadedPlay[];
  source: SourceFile;
}

/** A play whose `roles` entries are checked one by one (an invalid play's may be anything). */
type LoosePlay = Omit<RawPlay, "roles"> & { roles?: unknown[] | null };

/** The parts of an invalid play that have the right type. */
function loosePlay(raw: unknown): LoosePlay | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v : undefined);
  // The name stays so that messages about the play's tasks name it as the user does.
  const name = typeof r["name"] === "string" && r["name"] !== "" ? r["name"] : undefined;
  const vars = r["vars"] !== null && typeof r["vars"] === "object" && !Array.isArray(r["vars"]) ? (r["vars"] as Vars) : undefined;
  return { name, hosts: typeof r["hosts"] === "string" ? r["hosts"] : "", roles: list(r["roles"]), vars, tasks: list(r["tasks"]), handlers: list(r["handlers"]) };
}

/** A play's own keys, and a role reference's (`roles[2]`), get Ansible's hints. */
function playHintPlace(at: readonly PathSegment[]): HintPlace | undefined {
  if (at.length === 0) return "play";
  return at.length === 2 && at[0] === "roles" ? "role" : undefined;
}

export async function readPlaybook(file: string, problems: Problems, from?: { location: ReturnType<typeof locate>; path: string }): Promise<LoadedPlaybook | undefined> {
  const abs = path.resolve(file);
  const source = await readSource(abs, "a list of plays", problems, from);
  if (!source) return undefined;
  if (!Array.isArray(source.value)) {
    problems.add(locate(source, []), "", `a playbook is a list of plays (\`- hosts: ...\`), got ${describeValue(source.value)}`);
    return undefined;
  }
  const list = validate(playbookSchema, source.value, source, problems) ?? [];
  const plays: LoadedPlay[] = [];
  list.forEach((raw, index) => {
    const location = locate(source, [index]);
    const validated = validate(playSchema, raw, source, problems, { base: [index], hintPlace: playHintPlace });
    // An invalid play still has its tasks and roles checked, so one wrong key does not hide the rest.
    const rawPlay: LoosePlay | undefined = validated ?? loosePlay(raw);
    if (!rawPlay) return;
    const vars = rawPlay.vars ?? {};
    checkVarNames(vars, source, [index, "vars"], problems);
    // `vars: { ansible_user: deploy }` would be an ordinary var: the play would log in as before.
    checkAnsibleVars(vars, source, [index, "vars"], problems);

    const roleLocations = itemLocations(source, [index, "roles"]);
    const roles: RoleRef[] = [];
    const rolePaths: string[] = [];
    (rawPlay.roles ?? []).forEach((entry, j) => {
      // An invalid entry is already reported; skipping it here, not before, keeps `j` its index in the file.
      const parsed = roleRefSchema.safeParse(entry);
      if (!parsed.success) return;
      const ref = parsed.data;
      const at = roleLocations[j] ?? location;
      rolePaths.push(formatPath([index, "roles", j]));
      if (typeof ref === "string") {
        roles.push({ name: ref, params: {}, tags: [], location: at });
        return;
      }
      const params = ref.vars ?? {};
      checkVarNames(params, source, [index, "roles", j, "vars"], problems);
      checkAnsibleVars(params, source, [index, "roles", j, "vars"], problems);
      if (ref.when !== undefined) checkConditions(ref.when, source, [index, "roles", j, "when"], problems);
      roles.push({ name: ref.role, params, tags: asList(ref.tags), when: asCondition(ref.when), location: at });
    });

    const parsed: ParsedTask[] = [];
    const tasks = (rawPlay.tasks ?? []).flatMap((t, j) => {
      const p = parseTask(t, source, [index, "tasks", j], problems, "task");
      if (p) parsed.push(p);
      return p ? [p.task] : [];
    });
    const handlers = (rawPlay.handlers ?? []).flatMap((h, j) => {
      const p = parseTask(h, source, [index, "handlers", j], problems, "handler");
      if (p) parsed.push(p);
      return p ? [p.task as Handler] : [];
    });

    const play: Play = {
      name: rawPlay.name ?? rawPlay.hosts,
      hosts: rawPlay.hosts,
      roles,
      tasks,
      handlers,
      vars,
      serial: rawPlay.serial,
      maxFailPercentage: rawPlay.max_fail_percentage,
      tags: asList(rawPlay.tags),
      become: rawPlay.become,
      gatherFacts: rawPlay.gather_facts ?? true,
      location,
    };
    plays.push({ play, index, parsed, hostsLocation: locate(source, [index, "hosts"]), valid: validated !== undefined, rolePaths });
  });
  return { playbook: { file: abs, plays: plays.filter((p) => p.valid).map((p) => p.play) }, plays, source };
}
