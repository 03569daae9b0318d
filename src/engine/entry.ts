// The host runner's unit of work: a task or a handler, with what it inherits from its role reference.
import type { Task } from "../config/model.js";
import { allConditions } from "../config/schemas.js";
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

/** Every handler of the play as an entry, in definition order (Ansible's order, not the notification order). */
export function handlerEntries(playTasks: PlayTasks, projectDir: string): Entry[] {
  return playTasks.handlers.map((h) => ({
    task: h.handler,
    handler: true,
    baseDir: h.role?.dir ?? projectDir,
    roleRef: h.roleRef,
    conditions: allConditions(h.handler.when),
  }));
}
