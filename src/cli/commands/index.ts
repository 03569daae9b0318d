// The command registry: one entry per command file. A command's module is imported only when it runs,
// so `deploy --version` or `deploy vault` do not pay for loading SSH, the engine and the renderers.
import type { Command } from "../command.js";

export interface CommandEntry {
  name: string;
  /** One line for `deploy --help`. */
  summary: string;
  load(): Promise<Command>;
}

export const commands: CommandEntry[] = [
  { name: "apply", summary: "converge hosts to the playbook (default playbooks/site.yaml)", load: async () => (await import("./run.js")).applyCommand },
  { name: "plan", summary: "dry run: what apply would change, with diffs", load: async () => (await import("./run.js")).planCommand },
  { name: "validate", summary: "check inventory, playbook, roles and templates without connecting", load: async () => (await import("./validate.js")).validateCommand },
  { name: "inventory", summary: "show the inventory's groups and hosts, or one host's resolved vars", load: async () => (await import("./inventory.js")).inventoryCommand },
  { name: "lab", summary: "local Debian test hosts for an inventory (systemd-nspawn): up, down, status, reset", load: async () => (await import("./lab.js")).labCommand },
  { name: "ping", summary: "check that every host answers: reachable, OS, round-trip time", load: async () => (await import("./ping.js")).pingCommand },
  { name: "vault", summary: "encrypt, decrypt, view, edit or rekey a vault vars file", load: async () => (await import("./vault.js")).vaultCommand },
];
