// The host runner's unit of work: a task or a handler, with what it inherits from its role reference.
import type { Task } from "../config/model.js";
import { selectedByTags, type PlayTasks, type TagFilter } from "./task-list.js";

export interface Entry {
  task: Task;
  handler: boolean;
  /** Where its role's files/ and templates/ are (the project for a play's own tasks). */
  baseDir: string;
  roleRef?: PlayTasks["tasks"][number]["roleRef"];
  conditions: string[];
}

/** The play's tasks the tags select, in order. */
export function taskEntries(playTasks: PlayTasks, tags: TagFilter, projectDir: string): Entry[] {
  return playTasks.tasks
    .filter((t) => selectedByTags(t.tags, tags))
    .map((t) => ({ task: t.task, handler: false, baseDir: t.role?.dir ?? projectDir, roleRef: t.roleRef, conditions: t.conditions }));
}

/** The notified handlers, in definition order (Ansible's: not the order they were notified in). */
export function handlerEntries(playTasks: PlayTasks, notified: ReadonlySet<number>, projectDir: string): Entry[] {
  return playTasks.handlers
    .filter((_h, i) => notified.has(i))
    .map((h) => ({
      task: h.handler,
      handler: true,
      baseDir: h.role?.dir ?? projectDir,
      roleRef: h.roleRef,
      conditions: h.handler.when !== undefined ? [h.handler.when] : [],
    }));
}
