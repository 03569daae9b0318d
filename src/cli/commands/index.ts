// The command registry: one import and one entry per command file.
import type { Command } from "../command.js";
import { vaultCommand } from "./vault.js";

export const commands: Command[] = [
  vaultCommand,
];
