// Templates copied from an Ansible role are Jinja: a task naming `site.conf.j2` is refused where it names it
// (the text check is src/template/jinja-text.ts), and the templates tasks name literally are what the load
// checks read (named-templates.ts).
import path from "node:path";
import type { Task } from "./model.js";
import { hasTemplate } from "./tasks.js";
import { EJS_HINT } from "../template/jinja-text.js";

export { EJS_HINT };

/** `site.conf.j2` named by a task: Ansible's template extension, never an EJS template. */
export function jinjaNameProblem(src: string): string | undefined {
  if (!/\.j2$/i.test(src)) return undefined;
  return `\`${src}\` is a Jinja template (Ansible's .j2): ${EJS_HINT}; rename it \`${src.replace(/\.j2$/i, "")}.ejs\` once rewritten`;
}

/** The templates (relative to templates/) that `template` tasks name literally; `{{ }}` sources are unknown until run time. */
export function namedTemplates(tasks: Iterable<Task>): Set<string> {
  const named = new Set<string>();
  for (const task of tasks) {
    const src = task.module === "template" ? task.params["src"] : undefined;
    if (typeof src === "string" && !hasTemplate(src)) named.add(path.posix.normalize(src.replace(/\\/g, "/")).replace(/\/$/, ""));
  }
  return named;
}
