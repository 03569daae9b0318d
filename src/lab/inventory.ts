// From a loaded inventory to a lab spec: which hosts, which bridge, where the lab key and known_hosts live.
import { join } from "node:path";
import type { Host, Inventory } from "../config/model.js";
import { DEFAULT_BRIDGE, DEFAULT_STATE_DIR, LabSpecError, type LabSpec } from "./spec.js";

/** Paths of the lab's key and known_hosts for a project. */
export function labFiles(projectDir: string): { keyFile: string; knownHostsFile: string } {
  return { keyFile: join(projectDir, ".lab", "id_ed25519"), knownHostsFile: join(projectDir, ".lab", "known_hosts") };
}

/**
 * Every SSH host of the inventory becomes a lab host at its address (`connection: local` hosts are this
 * machine already). known_hosts is the inventory's own file when it names one, and the key the lab
 * authorizes is the one the hosts' identity_file names, so the lab sets up exactly what connections to
 * these hosts will use.
 */
export function labSpecFromInventory(
  inventory: Pick<Inventory, "projectDir" | "hosts" | "settings" | "lab">,
  stateDir: string = DEFAULT_STATE_DIR,
): LabSpec {
  const files = labFiles(inventory.projectDir);
  const sshHosts = [...inventory.hosts.values()].filter((h) => h.connection === "ssh");
  return {
    hosts: sshHosts.map((h) => ({ name: h.name, address: h.address })),
    bridge: inventory.lab?.bridge ?? DEFAULT_BRIDGE,
    stateDir,
    keyFile: labKeyFile(sshHosts) ?? files.keyFile,
    knownHostsFile: inventory.settings.knownHosts ?? files.knownHostsFile,
  };
}

/** The one identity_file the hosts name (the lab authorizes one key on every host), if they name one. */
function labKeyFile(hosts: Pick<Host, "name" | "identityFile">[]): string | undefined {
  const named = new Map<string, string>();
  for (const h of hosts) if (h.identityFile !== undefined && !named.has(h.identityFile)) named.set(h.identityFile, h.name);
  if (named.size <= 1) return [...named.keys()][0];
  const which = [...named].map(([file, host]) => `${file} (${host})`).join(", ");
  throw new LabSpecError(`the lab authorizes one key on all its hosts, but the hosts name several identity_file: ${which}; give them the same one`);
}
