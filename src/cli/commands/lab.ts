// `deploy lab up|down|status|reset <inventory>`: local Debian test hosts for an inventory (src/lab).
import { relative, resolve } from "node:path";
import { loadInventory } from "../../config/inventory.js";
import {
  bridgeSubnet,
  defaultLabContext,
  ForeignLabError,
  labDown,
  labReset,
  labStatus,
  labUp,
  type DownResult,
  type HostStatus,
  type UpResult,
} from "../../lab/lab.js";
import { labSpecFromInventory } from "../../lab/inventory.js";
import { interruptedUp, newProgress, type UpProgress } from "../../lab/progress.js";
import { stopTools } from "../../lab/runner.js";
import { DEFAULT_STATE_DIR, subnetCidr, type LabSpec } from "../../lab/spec.js";
import { checkInventoryAlone, loadInventoryFirst } from "../argument-order.js";
import { EXIT, parseCommandArgs, UsageError, type CliIO, type Command } from "../command.js";

const ACTIONS = ["up", "down", "status", "reset"] as const;
type Action = (typeof ACTIONS)[number];

const usage = `Usage: deploy lab <up|down|status|reset> <inventory>
       deploy lab down --all <inventory>

Real Debian 12 hosts with systemd on this machine, one per inventory host, at the inventory's addresses
(systemd-nspawn containers on a bridge; needs root and Linux; installs its Debian packages when missing).

  up      boot the hosts (builds and caches the base image on first use); nothing to do when already up,
          and finishes what an interrupted up left
  down    stop the inventory's hosts, and the bridge and nft table with the last host on the bridge;
          each host's changes are kept for the next up. Hosts of the bridge that are not the inventory's
          keep running; --all stops every host of the bridge (its inventory was edited since its up)
  status  per host: running or stopped, address, SSH reachable (exit 4 unless every host answers)
  reset   down, wipe the hosts' changes, up: fresh hosts with new host keys

The lab key is <project>/.lab/id_ed25519 (user root or deploy, deploy has passwordless sudo); host keys
are written to the inventory's settings.known_hosts (default <project>/.lab/known_hosts).
The inventory's \`lab: { bridge: NAME }\` picks the bridge (default deploylab0); one bridge per /24.
State and the image cache live in ${DEFAULT_STATE_DIR} (DEPLOY_LAB_STATE_DIR overrides).`;

function parse(args: string[], cwd: string): { action: Action; inventory: string; all: boolean } {
  const { values, positionals } = parseCommandArgs(args, { all: { type: "boolean" } });
  const [action, inventory, ...extra] = positionals;
  if (!action || !(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`expected one of ${ACTIONS.join(", ")}${action ? `, got '${action}'` : ""}`);
  }
  if (!inventory) throw new UsageError("missing the inventory file (e.g. inventory/lab.yaml)");
  checkInventoryAlone(`lab ${action}`, inventory, extra, cwd);
  if (values.all && action !== "down") throw new UsageError("--all goes with down only");
  return { action: action as Action, inventory, all: values.all === true };
}

function table(hosts: HostStatus[]): string[] {
  const width = Math.max(...hosts.map((h) => h.name.length));
  return hosts.map((h) => {
    const state = h.running ? "running" : "stopped";
    const ssh = h.running ? (h.sshReachable ? "ssh ok" : "ssh not answering") : "";
    const note = h.extra
      ? "  (not this inventory's host)"
      : h.inventoryAddress
        ? `  (the inventory says ${h.inventoryAddress}: \`deploy lab up\` moves it)`
        : "";
    return `  ${h.name.padEnd(width)}  ${state.padEnd(7)}  ${h.address.padEnd(15)}  ${ssh}${note}`.trimEnd();
  });
}

function reportUp(io: CliIO, spec: LabSpec, result: UpResult, verb: string): void {
  const where = `lab ${spec.bridge} (${subnetCidr(spec)})`;
  if (result.alreadyUp) io.out(`${where}: already up, nothing to do`);
  else {
    const image = result.imageBuilt ? `, base image built in ${result.imageSeconds.toFixed(1)} s` : "";
    const done = [
      ...(result.started.length > 0 ? [`${verb} ${result.started.join(", ")}`] : []),
      ...(result.finished.length > 0 ? [`finished the boot of ${result.finished.join(", ")} (an interrupted up started them)`] : []),
    ];
    io.out(`${where}: ${done.join("; ")} in ${result.seconds.toFixed(1)} s${image}`);
  }
  for (const line of table(result.hosts)) io.out(line);
  const first = spec.hosts[0];
  if (first) {
    const rel = (path: string) => relative(io.cwd, path) || path;
    io.out(`ssh -i ${rel(spec.keyFile)} -o UserKnownHostsFile=${rel(spec.knownHostsFile)} deploy@${first.address}`);
  }
}

/** An inventory without `lab:` names the default bridge: say so, it is why another lab is found there. */
function bridgeOrigin(spec: LabSpec, hasLabSection: boolean, file: string): string {
  return hasLabSection ? "" : ` (${file} has no \`lab:\` section, so it names the default bridge ${spec.bridge})`;
}

function reportDown(io: CliIO, spec: LabSpec, result: DownResult, file: string): void {
  if (result.stopped.length === 0) {
    io.out(
      result.leftRunning.length === 0
        ? `lab ${spec.bridge}: no host was running; network and mounts cleaned up`
        : `lab ${spec.bridge}: no host of this inventory was running`,
    );
  }
  for (const host of result.stopped) io.out(`  ${host.name}  ${host.how === "killed" ? "killed (did not power off in time)" : "stopped"}`);
  if (result.leftRunning.length > 0) {
    const hosts = result.leftRunning.map((h) => `${h.name} (${h.address})`).join(", ");
    io.out(`left running, not hosts of this inventory: ${hosts}; the bridge ${spec.bridge} stays for them`);
    io.out(`if this inventory started them and its hosts were renamed since, \`deploy lab down --all ${file}\` stops every host of the bridge`);
  }
}

/**
 * Ctrl-C or SIGTERM during a lab operation: the hosts' systemd-nspawn runs detached and goes on, so say
 * what is left and what finishes or undoes it, then exit (the lab lock is given back on exit).
 */
function onInterrupt(io: CliIO, describe: () => string[]): () => void {
  const handler = (name: NodeJS.Signals): void => {
    const key = name === "SIGINT" ? "Ctrl-C" : name;
    const [first, ...rest] = describe();
    io.err(`deploy lab: ${key}: ${first ?? "stopped."}`);
    for (const line of rest) io.err(line);
    stopTools();
    process.exit(EXIT.interrupted);
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

async function run(args: string[], io: CliIO): Promise<number> {
  const { action, inventory: file, all } = parse(args, io.cwd);
  // Relative to the caller's directory, with its environment for the vault password (as every command).
  const inventory = await loadInventoryFirst(`lab ${action}`, file, io.cwd, () => loadInventory(resolve(io.cwd, file), { env: io.env }));
  const stateDir = io.env["DEPLOY_LAB_STATE_DIR"] || DEFAULT_STATE_DIR;
  const spec = labSpecFromInventory(inventory, stateDir);
  let progress: Readonly<UpProgress> = newProgress();
  const ctx = { ...defaultLabContext((line) => io.out(line)), progress: (p: Readonly<UpProgress>) => (progress = p) };
  const commands = { up: `deploy lab up ${file}`, down: `deploy lab down ${file}` };
  const origin = bridgeOrigin(spec, inventory.lab !== undefined, file);

  switch (action) {
    case "up":
    case "reset": {
      const release = onInterrupt(io, () => interruptedUp(progress, commands));
      try {
        if (action === "up") reportUp(io, spec, await labUp(spec, ctx), "started");
        else reportUp(io, spec, await labReset(spec, ctx), "reset");
      } finally {
        release();
      }
      return EXIT.ok;
    }
    case "down": {
      const release = onInterrupt(io, () => ["stopped while stopping the hosts; some may still run.", `\`${commands.down}\` again stops the rest.`]);
      try {
        reportDown(io, spec, await labDown(spec, ctx, { all }), file);
        return EXIT.ok;
      } catch (error: unknown) {
        if (!(error instanceof ForeignLabError)) throw error;
        io.err(`deploy lab: ${error.message}${origin}`);
        io.err(`down that lab with the inventory that started it; if that was this one before its addresses changed, \`deploy lab down --all ${file}\` stops every host of the bridge`);
        return EXIT.invalid;
      } finally {
        release();
      }
    }
    case "status": {
      const hosts = await labStatus(spec);
      io.out(`lab ${spec.bridge} (${subnetCidr(spec)}):`);
      for (const line of table(hosts)) io.out(line);
      const carried = await bridgeSubnet(spec);
      if (carried !== undefined && carried !== subnetCidr(spec) && hosts.some((h) => h.extra)) {
        io.out(`the bridge ${spec.bridge} carries ${carried}: its running hosts are another inventory's, not this one's${origin}`);
      }
      return hosts.every((h) => h.extra || (h.sshReachable && !h.inventoryAddress)) ? EXIT.ok : EXIT.unreachable;
    }
  }
}

export const labCommand: Command = {
  name: "lab",
  usage,
  run,
};
