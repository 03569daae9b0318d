// The inventory comes first in every command that takes one. ansible-playbook's hands put the playbook
// first (`ansible-playbook -i inventory.yaml site.yml` -> `deploy apply site.yml inventory.yaml`), and the
// inventory's own problems ("expected a map, got a list") do not say what went wrong: a playbook where the
// inventory goes is told apart and answered with the order to type.
import { readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../config/problems.js";
import { UsageError } from "./command.js";

/** A list whose items hold `hosts:` is a playbook; an inventory is a map. No full parse: it may be huge. */
export function isPlaybook(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return false;
  }
  const first = text.split("\n").find((line) => line.trim() !== "" && !/^\s*#/.test(line) && line.trim() !== "---");
  return first !== undefined && /^-(\s|$)/.test(first) && /^(?:-\s+|\s+)hosts:/m.test(text);
}

/**
 * A command that takes the inventory alone (`inventory`, `ping`, `lab up`), given more arguments: a
 * playbook first gets the order to type, a playbook after the inventory that the command takes none.
 * Read only when the arguments are wrong anyway: the inventory may be a pipe, readable once.
 */
export function checkInventoryAlone(command: string, file: string, more: readonly string[], cwd: string): void {
  const extra = more[0];
  if (extra === undefined) return;
  if (isPlaybook(path.resolve(cwd, file))) {
    throw new UsageError(`'${file}' is a playbook: deploy ${command} takes the inventory alone (deploy ${command} ${extra})`);
  }
  const why = isPlaybook(path.resolve(cwd, extra)) ? `: deploy ${command} takes no playbook (deploy ${command} ${file})` : "";
  throw new UsageError(`unexpected argument '${extra}'${why}`);
}

/** `load` the inventory of such a command; when that fails on a playbook, say so instead of its problems. */
export async function loadInventoryFirst<T>(command: string, file: string, cwd: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error: unknown) {
    if (!(error instanceof ConfigError) || !isPlaybook(path.resolve(cwd, file))) throw error;
    throw new UsageError(`'${file}' is a playbook: deploy ${command} takes an inventory (deploy ${command} <inventory>)`, { cause: error });
  }
}
