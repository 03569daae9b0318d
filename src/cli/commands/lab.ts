// `deploy lab up|down|status|reset <inventory>`: local Debian test hosts for an inventory (src/lab).
import { relative, resolve } from "node:path";
import { loadInventory } from "../../config/inventory.js";
import { defaultLabContext, labDown, labReset, labStatus, labUp, type HostStatus, type UpResult } from "../../lab/lab.js";
import { labSpecFromInventory } from "../../lab/inventory.js";
import { DEFAULT_STATE_DIR, subnetCidr, type LabSpec } from "../../lab/spec.js";
import { EXIT, UsageError, type CliIO, type Command } from "../command.js";

const ACTIONS = ["up", "down", "status", "reset"] as const;
type Action = (typeof ACTIONS)[number];

const usage = `Usage: deploy lab <up|down|status|reset> <inventory>

Real Debian 12 hosts with systemd on this machine, one per inventory host, at the inventory's addresses
(systemd-nspawn containers on a bridge; needs root and Linux; installs its Debian packages when missing).

  up      boot the hosts (builds and caches the base image on first use); nothing to do when already up
  down    stop the hosts, remove the bridge and nft table; each host's changes are kept for the next up
  status  per host: running or stopped, address, SSH reachable (exit 4 unless every host answers)
  reset   down, wipe every host's changes, up: fresh hosts with new host keys

The lab key is <project>/.lab/id_ed25519 (user root or deploy, deploy has passwordless sudo); host keys
are written to the inventory's settings.known_hosts (default <project>/.lab/known_hosts).
The inventory's \`lab: { bridge: NAME }\` picks the bridge (default deploylab0); one bridge per /24.
State and the image cache live in ${DEFAULT_STATE_DIR} (DEPLOY_LAB_STATE_DIR overrides).`;

function parse(args: string[]): { action: Action; inventory: string } {
  const [action, inventory, ...extra] = args;
  if (!action || !(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`expected one of ${ACTIONS.join(", ")}${action ? `, got '${action}'` : ""}`);
  }
  if (!inventory) throw new UsageError("missing the inventory file (e.g. inventory/lab.yaml)");
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  return { action: action as Action, inventory };
}

function table(hosts: HostStatus[]): string[] {
  const width = Math.max(...hosts.map((h) => h.name.length));
  return hosts.map((h) => {
    const state = h.running ? "running" : "stopped";
    const ssh = h.running ? (h.sshReachable ? "ssh ok" : "ssh not answering") : "";
    return `  ${h.name.padEnd(width)}  ${state.padEnd(7)}  ${h.address.padEnd(15)}  ${ssh}${h.extra ? "  (not in this inventory)" : ""}`.trimEnd();
  });
}

function reportUp(io: CliIO, spec: LabSpec, result: UpResult, verb: string): void {
  const where = `lab ${spec.bridge} (${subnetCidr(spec)})`;
  if (result.alreadyUp) io.out(`${where}: already up, nothing to do`);
  else {
    const image = result.imageBuilt ? `, base image built in ${result.imageSeconds.toFixed(1)} s` : "";
    io.out(`${where}: ${verb} ${result.started.join(", ")} in ${result.seconds.toFixed(1)} s${image}`);
  }
  for (const line of table(result.hosts)) io.out(line);
  const first = spec.hosts[0];
  if (first) {
    const rel = (path: string) => relative(io.cwd, path) || path;
    io.out(`ssh -i ${rel(spec.keyFile)} -o UserKnownHostsFile=${rel(spec.knownHostsFile)} deploy@${first.address}`);
  }
}

async function run(args: string[], io: CliIO): Promise<number> {
  const { action, inventory: file } = parse(args);
  // Relative to the caller's directory, with its environment for the vault password (as every command).
  const inventory = await loadInventory(resolve(io.cwd, file), { env: io.env });
  const stateDir = io.env["DEPLOY_LAB_STATE_DIR"] || DEFAULT_STATE_DIR;
  const spec = labSpecFromInventory(inventory, stateDir);
  const ctx = defaultLabContext((line) => io.out(line));

  switch (action) {
    case "up":
      reportUp(io, spec, await labUp(spec, ctx), "started");
      return EXIT.ok;
    case "reset":
      reportUp(io, spec, await labReset(spec, ctx), "reset");
      return EXIT.ok;
    case "down": {
      const result = await labDown(spec, ctx);
      if (result.stopped.length === 0) io.out(`lab ${spec.bridge}: no host was running; network and mounts cleaned up`);
      for (const host of result.stopped) io.out(`  ${host.name}  ${host.how === "killed" ? "killed (did not power off in time)" : "stopped"}`);
      return EXIT.ok;
    }
    case "status": {
      const hosts = await labStatus(spec);
      io.out(`lab ${spec.bridge} (${subnetCidr(spec)}):`);
      for (const line of table(hosts)) io.out(line);
      return hosts.every((h) => h.extra || h.sshReachable) ? EXIT.ok : EXIT.unreachable;
    }
  }
}

export const labCommand: Command = {
  name: "lab",
  usage,
  run,
};
