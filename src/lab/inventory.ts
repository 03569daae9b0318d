// From an inventory to a lab spec. The `lab:` section is read only by `deploy lab`, so it is taken from the
// inventory file here rather than carried through the run model.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import type { Inventory } from "../config/model.js";
import { DEFAULT_BRIDGE, DEFAULT_STATE_DIR, type LabSpec } from "./spec.js";

export interface LabSection {
  bridge: string;
}

/** The `lab:` section of an inventory's YAML text, with defaults. */
export function labSection(yamlText: string): LabSection {
  const doc = parse(yamlText) as { lab?: { bridge?: unknown } } | null;
  const bridge = doc?.lab?.bridge;
  if (bridge !== undefined && typeof bridge !== "string") throw new Error("lab.bridge must be a string (a Linux bridge name)");
  return { bridge: bridge ?? DEFAULT_BRIDGE };
}

export async function readLabSection(inventoryFile: string): Promise<LabSection> {
  return labSection(await readFile(inventoryFile, "utf8"));
}

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
  inventory: Pick<Inventory, "projectDir" | "hosts" | "settings">,
  section: LabSection,
  stateDir: string = DEFAULT_STATE_DIR,
): LabSpec {
  const files = labFiles(inventory.projectDir);
  return {
    hosts: [...inventory.hosts.values()].filter((h) => h.connection === "ssh").map((h) => ({ name: h.name, address: h.address })),
    bridge: section.bridge,
    stateDir,
    keyFile: files.keyFile,
    knownHostsFile: inventory.settings.knownHosts ?? files.knownHostsFile,
  };
}
