// `npm run bench:kept` (root): would connections kept open between runs (what Ansible's ControlPersist
// does) bring the 30-host no-op within 2x the 3-host one? deploy does not keep connections; this measures
// what it would gain if it did. For 3 and 30 lab hosts running the light role, converged:
//   - the no-op as users run it: a new `deploy apply` process, which connects to every host;
//   - the no-op on connections opened once: the same engine in this process, the project loaded again
//     each run but every host's connection reused (the first run, which opens them, not counted);
//   - what a new process needs before it can run anything: Node loading the modules an apply uses.
// A run of a tool keeping connections would cost about the last two together.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadForRun, runDeps } from "../src/cli/wiring.js";
import type { CliIO } from "../src/cli/command.js";
import type { Connection } from "../src/connection/types.js";
import { runPlaybook } from "../src/engine/run.js";
import { deployRun, lab, repoRoot, totalChanged } from "./lib/deploy.js";
import { writeResults } from "./lib/machine.js";
import { backgroundLoad, machineBusy } from "./lib/proc.js";
import { figure, seconds, table, type Figure } from "./lib/stats.js";

const LIGHT = path.join(repoRoot(), "bench", "light");
const PLAYBOOK = path.join(LIGHT, "playbooks", "light.yaml");
const inventoryOf = (hosts: number) => path.join(LIGHT, "inventory", `scale-${hosts}.yaml`);

// The modules `deploy apply` loads before its first connection, compiled next to this file.
const APPLY_MODULES = ["../src/cli/main.js", "../src/cli/commands/run.js", "../src/cli/wiring.js", "../src/connection/ssh.js"].map((m) =>
  fileURLToPath(new URL(m, import.meta.url)),
);

function log(line: string): void {
  console.error(`[kept] ${line}`);
}

/** Seconds for a new Node process to load what an apply loads, and exit. */
function loadTime(): Promise<number> {
  const code = APPLY_MODULES.map((m) => `await import(${JSON.stringify(m)});`).join(" ");
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (exit) => (exit === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e9) : reject(new Error(`module load exited ${exit}`))));
  });
}

interface KeptRuns {
  wall: Figure;
  machineCpu: Figure;
}

/** No-op runs in this process on connections opened by the first one (not counted). */
async function keptRuns(inventory: string, runs: number): Promise<KeptRuns> {
  const kept = new Map<string, Connection>();
  const io: CliIO = { cwd: repoRoot(), env: process.env, isTTY: false, out: () => undefined, err: log };
  const walls: number[] = [];
  const cpus: number[] = [];
  try {
    for (let r = 0; r <= runs; r++) {
      const started = process.hrtime.bigint();
      const busy = await machineBusy();
      const loaded = await loadForRun({ cwd: repoRoot(), inventoryFile: inventory, playbookFile: PLAYBOOK, extraVars: [], env: process.env });
      const deps = await runDeps(loaded, io, log);
      const connect = deps.connect;
      deps.connect = async (host) => {
        let open = kept.get(host.name);
        if (!open) kept.set(host.name, (open = await connect(host)));
        const conn = open;
        // The run closes its connections when it ends: these stay open for the next run.
        return {
          hostName: conn.hostName,
          capabilities: conn.capabilities,
          stats: conn.stats,
          exec: (command, options) => conn.exec(command, options),
          put: (file, content, options) => conn.put(file, content, options),
          get: (file, options) => conn.get(file, options),
          close: async () => undefined,
        };
      };
      let changed = 0;
      const result = await runPlaybook(loaded.project, { mode: "apply", forks: 50, tags: { tags: [], skipTags: [] }, forceHandlers: false }, deps, (event) => {
        if (event.type === "task" && event.status === "changed") changed++;
      });
      if (changed > 0 || result.failedHosts.length > 0 || result.unreachableHosts.length > 0) {
        throw new Error(`a no-op run on kept connections was not clean: ${changed} changed, failed ${result.failedHosts.join(",")}, unreachable ${result.unreachableHosts.join(",")}`);
      }
      if (r === 0) continue;
      walls.push(Number(process.hrtime.bigint() - started) / 1e9);
      cpus.push((await machineBusy()) - busy);
    }
  } finally {
    await Promise.allSettled([...kept.values()].map((c) => c.close()));
  }
  return { wall: figure(walls), machineCpu: figure(cpus) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "7" }, keep: { type: "boolean", default: false } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a whole number of runs, at least 1");
  if (process.getuid?.() !== 0) throw new Error("this benchmark boots lab hosts and needs root");
  const sizes = [3, 30];
  const load = await backgroundLoad();
  log("lab up (30 hosts; the 3-host inventory names the first three)");
  await lab("up", inventoryOf(30));
  const rows: string[][] = [["hosts", "no-op, new process", "no-op on kept connections", "+ module load", "= a run with kept connections"]];
  const estimates: number[] = [];
  const fresh: number[] = [];
  try {
    const loadRuns: number[] = [];
    for (let r = 0; r < runs; r++) loadRuns.push(await loadTime());
    const loads = figure(loadRuns);
    log(`module load of a new process: ${seconds(loads)}`);
    for (const hosts of sizes) {
      // Converged for this inventory: the role's peer list names every host of it.
      log(`${hosts} hosts: converging`);
      await deployRun("apply", inventoryOf(hosts), [PLAYBOOK]);
      const noops: number[] = [];
      for (let r = 0; r < runs; r++) {
        const run = await deployRun("apply", inventoryOf(hosts), [PLAYBOOK]);
        if (totalChanged(run.report) !== 0) throw new Error(`the ${hosts}-host no-op changed something`);
        noops.push(run.seconds);
      }
      log(`${hosts} hosts: no-op in a new process ${seconds(figure(noops))}`);
      const kept = await keptRuns(inventoryOf(hosts), runs);
      log(`${hosts} hosts: no-op on kept connections ${seconds(kept.wall)}, machine CPU ${kept.machineCpu.median.toFixed(2)} s`);
      const estimate = loads.median + kept.wall.median;
      estimates.push(estimate);
      fresh.push(figure(noops).median);
      rows.push([String(hosts), seconds(figure(noops)), `${seconds(kept.wall)}, machine CPU ${kept.machineCpu.median.toFixed(2)} s`, seconds(loads), `${estimate.toFixed(2)} s`]);
    }
  } finally {
    if (!values.keep) await lab("down", inventoryOf(30)).catch((e: unknown) => log(String(e)));
  }
  const text = [
    `Kept connections: the light role's no-op on converged lab hosts, medians (min-max) of ${runs} runs each.`,
    `Other work kept ${load.toFixed(2)} of the machine's cores busy just before the runs (a shared machine).`,
    "",
    table(rows),
    "",
    `30 hosts / 3 hosts, a new process and new connections each run: ${(fresh[1]! / fresh[0]!).toFixed(2)}x`,
    `30 hosts / 3 hosts, if connections were kept between runs: ${(estimates[1]! / estimates[0]!).toFixed(2)}x (target <= 2x)`,
  ].join("\n");
  console.log(text);
  const out = path.join(repoRoot(), "bench", "results", "kept-connections.md");
  await writeResults(out, "Kept connections (generated by `npm run bench:kept`)", text);
  log(`written ${path.relative(repoRoot(), out)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
