// `npm run bench:roundtrips` (root): a no-op `deploy apply` of a 34-task playbook (accounts, packages,
// directories, templates, copies, line edits, kernel parameters, services, guarded commands) on the three
// hosts of the engine lab. Prints wall time and SSH round trips per task per host, from --json stats.
// Targets (issue 4): at most 1.5 round trips per task per host, the whole no-op run under 2 s.
// Exit status 1 when a target is missed or the run is not a no-op.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadInventory } from "../src/config/inventory.js";
import { labSpecFromInventory } from "../src/lab/inventory.js";
import { defaultLabContext, labUp } from "../src/lab/lab.js";
import { DEFAULT_STATE_DIR } from "../src/lab/spec.js";
import type { JsonReport } from "../src/report/json.js";

const INVENTORY = resolve("test/fixtures/engine/inventory/lab.yaml");
const PLAYBOOK = resolve("test/fixtures/engine/playbooks/bench.yaml");
const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const TARGET_TRIPS_PER_TASK = 1.5;
const TARGET_WALL_MS = 2000;

// The CLI compiled next to this file (tsconfig.bench.json builds src/ and bench/ into dist-bench/).
const MAIN = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** `deploy ARGS` as a user runs it: a fresh node process, timed from spawn to exit. */
function deploy(args: string[]): Promise<CliRun> {
  const code = `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(process.argv.slice(1));`;
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ["--input-type=module", "-e", code, ...args], {
      env: { ...process.env, CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (exit) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      resolvePromise({ code: exit, stdout, stderr, wallMs });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error("bench:roundtrips needs root: it boots the engine lab (systemd-nspawn hosts e1..e3)");
    return 1;
  }
  const inventory = await loadInventory(INVENTORY);
  const up = await labUp(labSpecFromInventory(inventory, process.env["DEPLOY_LAB_STATE_DIR"] || DEFAULT_STATE_DIR), defaultLabContext((l) => console.log(`[lab] ${l}`)));
  console.log(`lab: ${up.hosts.map((h) => h.name).join(", ")} ${up.alreadyUp ? "already up" : `started in ${up.seconds.toFixed(1)} s`}`);

  const converge = await deploy(["apply", INVENTORY, PLAYBOOK]);
  if (converge.code !== 0) {
    console.error(`converging run failed (exit ${converge.code}):\n${converge.stdout}${converge.stderr}`);
    return 1;
  }
  console.log(`converged in ${(converge.wallMs / 1000).toFixed(2)} s; now ${RUNS} no-op runs\n`);

  const walls: number[] = [];
  const perTask = new Map<string, number[]>();
  let failures = 0;
  console.log("run  wall ms  engine ms  round trips / tasks per host");
  for (let i = 1; i <= RUNS; i++) {
    const run = await deploy(["apply", INVENTORY, PLAYBOOK, "--json"]);
    const doc = JSON.parse(run.stdout) as JsonReport;
    const changed = Object.entries(doc.recap).filter(([, r]) => r.changed > 0 || r.failed > 0 || r.unreachable > 0);
    if (run.code !== 0 || changed.length > 0) {
      console.error(`run ${i} is not a no-op (exit ${run.code}): ${JSON.stringify(doc.recap)}`);
      failures++;
    }
    walls.push(run.wallMs);
    const cells: string[] = [];
    for (const [host, trips] of Object.entries(doc.stats.roundTrips)) {
      const tasks = doc.stats.tasks[host] ?? 0;
      const ratio = tasks ? trips / tasks : Number.POSITIVE_INFINITY;
      (perTask.get(host) ?? perTask.set(host, []).get(host)!).push(ratio);
      cells.push(`${host} ${trips}/${tasks}`);
    }
    console.log(`${String(i).padStart(3)}  ${run.wallMs.toFixed(0).padStart(7)}  ${String(doc.durationMs).padStart(9)}  ${cells.join("  ")}`);
  }

  const wall = median(walls);
  const worstRatio = Math.max(...[...perTask.values()].flat());
  console.log("");
  for (const [host, ratios] of perTask) console.log(`${host}: ${Math.max(...ratios).toFixed(3)} round trips per task (worst run)`);
  console.log(`median wall time of a no-op run: ${(wall / 1000).toFixed(2)} s (process start to exit)`);
  const tripsOk = worstRatio <= TARGET_TRIPS_PER_TASK;
  const wallOk = wall < TARGET_WALL_MS;
  console.log(`target <= ${TARGET_TRIPS_PER_TASK} round trips per task per host: ${tripsOk ? "met" : "MISSED"}`);
  console.log(`target < ${TARGET_WALL_MS / 1000} s per no-op run: ${wallOk ? "met" : "MISSED"}`);
  return tripsOk && wallOk && failures === 0 ? 0 : 1;
}

process.exitCode = await main();
