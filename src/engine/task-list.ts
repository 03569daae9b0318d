// A play as the ordered list of tasks a host runs: the roles' tasks (in role order), then the play's own.
// Tags and role-level `when` are folded into each entry so the host runner sees one flat list.
import type { Handler, Play, Project, Role, RoleRef, Task } from "../config/model.js";
import { allConditions } from "../config/schemas.js";

export interface PlannedTask {
  task: Task;
  role?: Role;
  roleRef?: RoleRef;
  /** Play tags + role tags + task tags. */
  tags: string[];
  /** Conditions that must all hold: the role reference's `when`, then the task's own. */
  conditions: string[];
}

export interface PlannedHandler {
  handler: Handler;
  role?: Role;
  roleRef?: RoleRef;
}

export interface PlayTasks {
  tasks: PlannedTask[];
  /** In definition order: roles' handlers in role order, then the play's. */
  handlers: PlannedHandler[];
}

export function planPlayTasks(play: Play, project: Project): PlayTasks {
  const tasks: PlannedTask[] = [];
  const handlers: PlannedHandler[] = [];
  for (const roleRef of play.roles) {
    const role = project.roles.get(roleRef.name);
    if (!role) throw new Error(`role '${roleRef.name}' was not loaded`);
    const conditions = allConditions(roleRef.when);
    for (const task of role.tasks) {
      tasks.push({
        task,
        role,
        roleRef,
        tags: [...play.tags, ...roleRef.tags, ...task.tags],
        conditions: [...conditions, ...allConditions(task.when)],
      });
    }
    for (const handler of role.handlers) handlers.push({ handler, role, roleRef });
  }
  for (const task of play.tasks) {
    tasks.push({ task, tags: [...play.tags, ...task.tags], conditions: allConditions(task.when) });
  }
  for (const handler of play.handlers) handlers.push({ handler });
  return { tasks, handlers };
}

export interface TagFilter {
  tags: string[];
  skipTags: string[];
}

/**
 * Ansible's rules: `always` runs unless skipped by name, `never` only when asked for by name, and
 * `--skip-tags all` skips every task but the `always` ones.
 */
export function selectedByTags(taskTags: string[], filter: TagFilter): boolean {
  if (taskTags.some((t) => filter.skipTags.includes(t))) return false;
  if (filter.skipTags.includes("all") && !taskTags.includes("always")) return false;
  if (filter.tags.length === 0 || filter.tags.includes("all")) return !taskTags.includes("never");
  if (taskTags.includes("always")) return true;
  return taskTags.some((t) => filter.tags.includes(t));
}

/** Tags with a meaning of their own, whether or not a task carries them. */
export const SPECIAL_TAGS = ["all", "always", "never"];

/** Every tag a task of the project carries (play, role and task tags). */
export function projectTags(project: Project): Set<string> {
  const tags = new Set<string>();
  for (const play of project.playbook.plays) for (const t of planPlayTasks(play, project).tasks) for (const tag of t.tags) tags.add(tag);
  return tags;
}

/**
 * Whether --tags/--skip-tags leave any task of the project to run for its own sake: a task that runs only
 * because it is tagged `always` does not count (`--tags app --skip-tags app` would run just those), unless
 * --tags names `always` itself.
 */
export function tagsSelectSomeTask(project: Project, filter: TagFilter): boolean {
  const counts = (tags: string[]) =>
    selectedByTags(tags, filter) && (filter.tags.includes("always") || selectedByTags(tags.filter((t) => t !== "always"), filter));
  return project.playbook.plays.some((play) => planPlayTasks(play, project).tasks.some((t) => counts(t.tags)));
}

/** Handlers a notification name reaches: by name or by `listen`. */
export function handlersFor(name: string, handlers: PlannedHandler[]): number[] {
  const found: number[] = [];
  handlers.forEach((h, i) => {
    if (h.handler.name === name || h.handler.listen.includes(name)) found.push(i);
  });
  return found;
}
