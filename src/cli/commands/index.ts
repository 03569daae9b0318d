// The command registry: one import and one entry per command file.
import type { Command } from "../command.js";
import { inventoryCommand } from "./inventory.js";
import { labCommand } from "./lab.js";
import { pingCommand } from "./ping.js";
import { applyCommand, planCommand } from "./run.js";
import { validateCommand } from "./validate.js";
import { vaultCommand } from "./vault.js";

export const commands: Command[] = [
  applyCommand,
  planCommand,
  validateCommand,
  inventoryCommand,
  labCommand,
  pingCommand,
  vaultCommand,
];
