// A task's name as the report shows it. `{{ }}` in a name is rendered for the host, as every other string
// of a task is (`name: "Open port {{ app_port }}"`). A name is only a label: one that cannot be rendered
// (it reads `item`, which a task's start has not got yet, or a var the host lacks) is shown as written,
// as Ansible shows it, instead of failing a task over its label. Handlers keep their names: `notify`
// matches them as written.
import type { Entry } from "./entry.js";

export function shownTaskName(entry: Entry, render: (name: string) => unknown): string {
  const { name } = entry.task;
  if (entry.handler || !name.includes("{{")) return name;
  try {
    const shown = render(name);
    return typeof shown === "string" ? shown : JSON.stringify(shown) ?? name;
  } catch {
    return name;
  }
}
