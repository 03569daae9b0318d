// From a loaded inventory to a lab spec: which hosts, which bridge, where the lab key and known_hosts live.
import { join } from "node:path";
import type { Inventory } from "../config/model.js";
import { DEFAULT_BRIDGE, DEFAULT_STATE_DIR, type LabSpec } from "./spec.js";

/** Paths of the lab's key and known_hosts for a project. */
export function labFiles(projectDir: string): { keyFile: string; knownHostsFile: string } {
  return { keyFile: join(projectDir, ".lab", "id_ed25519"), knownHostsFile: join(projectDir, ".lab", "known_hosts") };
}

/**
 * Every SSH host of the inventory becomes a lab host at its address (`connection: local` hosts are this
 * machine already). known_hosts is the inventory's own file when it names one, so the lab writes exactly
 * what connections to these hosts will check.
 */
export function labSpecFromInventory(
  inventory: Pick<Inventory, "projectDir" | "hosts" | "settings" | "lab">,
  stateDir: string = DEFAULT_STATE_DIR,
): LabSpec {
  const files = labFiles(inventory.projectDir);
  return {
    hosts: [...inventory.hosts.values()].filter((h) => h.connection === "ssh").map((h) => ({ name: h.name, address: h.address })),
    bridge: inventory.lab?.bridge ?? DEFAULT_BRIDGE,
    stateDir,
    keyFile: files.keyFile,
    knownHostsFile: inventory.settings.knownHosts ?? files.knownHostsFile,
  };
}
