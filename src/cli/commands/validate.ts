// `deploy validate <inventory> [playbook] [-e ...]`: load and check everything a run would need, connect to
// nothing, and print a summary (or every problem, exit 1).
import path from "node:path";
import type { Play, Project } from "../../config/model.js";
import { matchHosts } from "../../config/patterns.js";
import { EXIT, parseCommandArgs, UsageError, type CliIO, type Command } from "../command.js";
import { loadInOrder } from "../wiring.js";

const USAGE = `Usage: deploy validate <inventory> [playbook] [options]

Load and check the inventory, the playbook (default: playbooks/site.yaml next to the inventory's
directory), every role it uses, templates, handler names and module parameters. Connects to nothing.
Prints a summary, or every problem as file:line:col: path: message.

Options:
  -e, --extra K=V|@FILE|JSON   extra vars, highest precedence (repeatable; --extra-vars is the same option)
      --vault-password-file F  read the vault password from F

Exit status: 0 valid, 1 invalid (each problem printed on stderr).`;

function rel(file: string, cwd: string): string {
  const r = path.relative(cwd, file);
  return r && !r.startsWith("..") && !path.isAbsolute(r) ? r : file;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function tasksOfPlay(project: Project, play: Play): { tasks: number; handlers: number } {
  let tasks = play.tasks.length;
  let handlers = play.handlers.length;
  for (const ref of play.roles) {
    const role = project.roles.get(ref.name);
    tasks += role?.tasks.length ?? 0;
    handlers += role?.handlers.length ?? 0;
  }
  return { tasks, handlers };
}

/** The summary lines: what would run where. */
export function summary(project: Project, cwd: string): string[] {
  const { inventory, playbook } = project;
  const lines: string[] = [];
  lines.push(`inventory ${rel(inventory.file, cwd)}: ${plural(inventory.hosts.size, "host")}, ${plural(inventory.groups.size, "group")}`);
  lines.push(`playbook ${rel(playbook.file, cwd)}: ${plural(playbook.plays.length, "play")}, ${plural(project.roles.size, "role")}${project.roles.size ? ` (${[...project.roles.keys()].join(", ")})` : ""}`);
  const perHost = new Map<string, number>([...inventory.hosts.keys()].map((h) => [h, 0]));
  for (const play of playbook.plays) {
    const hosts = matchHosts(play.hosts, inventory);
    const { tasks, handlers } = tasksOfPlay(project, play);
    for (const h of hosts) perHost.set(h, (perHost.get(h) ?? 0) + tasks);
    const shown = hosts.length > 8 ? `${hosts.slice(0, 8).join(", ")}, ... (${hosts.length})` : hosts.join(", ");
    const roles = play.roles.length ? `, roles: ${play.roles.map((r) => r.name).join(", ")}` : "";
    lines.push(`  play "${play.name}" (hosts: ${play.hosts}) -> ${shown}: ${plural(tasks, "task")}, ${plural(handlers, "handler")}${roles}`);
  }
  lines.push("tasks per host:");
  const entries = [...perHost];
  const width = Math.max(0, ...entries.slice(0, 50).map(([h]) => h.length));
  for (const [host, count] of entries.slice(0, 50)) lines.push(`  ${host.padEnd(width)}  ${count}`);
  if (entries.length > 50) lines.push(`  ... and ${entries.length - 50} more hosts`);
  lines.push("configuration is valid");
  return lines;
}

export const validateCommand: Command = {
  name: "validate",
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCommandArgs(args, { extra: { type: "string", short: "e", multiple: true }, "vault-password-file": { type: "string" } });
    const [inventoryFile, playbookFile, ...more] = parsed.positionals;
    if (!inventoryFile) throw new UsageError("missing <inventory> (for example inventory/prod.yaml)");
    if (more.length > 0) throw new UsageError(`unexpected argument '${more[0]}'`);
    const project = await loadInOrder("validate", {
      cwd: io.cwd,
      inventoryFile,
      playbookFile,
      extraVars: parsed.values.extra ?? [],
      env: io.env,
      vaultPasswordFile: parsed.values["vault-password-file"],
    });
    for (const line of summary(project, io.cwd)) io.out(line);
    return EXIT.ok;
  },
};
