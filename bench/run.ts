// Benchmark (not a test): the reference stack deployed by deploy and by Ansible (bench/ansible) on the same
// fresh lab hosts, side by side. For each tool: first apply on fresh hosts, no-op re-apply, plan/check on
// the converged fleet, plan + apply after changing one template variable. Each figure is the median of
// --rounds rounds (min-max shown), the no-op and plan runs --repeat times in each round; the rounds
// alternate the tools so drift on the machine hits both.
// Needs root (it boots lab hosts on its own bridge, dlabstack, 10.77.4.0/24) and Debian's ansible package.
// Run: npm run bench [-- --rounds 3 --repeat 3 --keep]
// One tool only (to check a translation, not to compare): --only deploy|ansible; prints that tool's
// figures and leaves bench/results/stack.md alone.
import path from "node:path";
import { parseArgs } from "node:util";
import { ansibleMissing, ansibleChanged, ansibleRun, ControlDir, type AnsibleRecap } from "./lib/ansible.js";
import { changedTasks, deployRun, lab, repoRoot, roundTripsPerTask, totalChanged, type DeployRun } from "./lib/deploy.js";
import { writeResults } from "./lib/machine.js";
import { backgroundLoad } from "./lib/proc.js";
import { preparePython, stackPaths, writeAnsibleInventory, writeStackInventory, type StackPaths } from "./lib/stack.js";
import { figure, seconds, table, type Figure } from "./lib/stats.js";

/** The template variable the change scenario edits (haproxy.cfg -> reload haproxy), a new value each round. */
const CHANGED_VAR = "haproxy_maxconn";
const BASE_VALUE = 4000;

type Measure = "first" | "noop" | "plan" | "changePlan" | "changeApply";
type Runs = Record<Measure, number[]>;
type Tool = "deploy" | "ansible";

function emptyRuns(): Runs {
  return { first: [], noop: [], plan: [], changePlan: [], changeApply: [] };
}

interface Collected {
  deploy: Runs;
  ansible: Runs;
  /** Untimed: installing python3 + python3-apt on Ansible's fresh hosts. */
  pythonPrep: number[];
  /** deploy's no-op: round trips per task per host (mean, worst host), and its peak memory. */
  trips: { mean: number; max: number }[];
  deployPeakMb: number;
}

function log(line: string): void {
  console.error(`[bench] ${line}`);
}

function expectNoChange(changed: number, what: string, details: string[] = []): void {
  if (changed !== 0) throw new Error(`${what} changed ${changed} things on a converged fleet:\n  ${details.slice(0, 10).join("\n  ")}`);
}

function expectChange(changed: number, what: string): void {
  if (changed === 0) throw new Error(`${what} changed nothing although ${CHANGED_VAR} was given a new value`);
}

/** "web-01=12 web-02=9": changes per host, for the log. */
function changedPerHost(recap: Record<string, { changed: number }>): string {
  return Object.entries(recap).map(([host, r]) => `${host}=${r.changed}`).join(" ");
}

function ansibleChangedTasks(stdout: string): string[] {
  // "TASK [role : name] ***" followed by "changed: [host]" lines.
  const lines: string[] = [];
  let task = "";
  for (const line of stdout.split("\n")) {
    const header = /^(?:TASK|RUNNING HANDLER) \[(.*)\]/.exec(line);
    if (header) task = header[1]!;
    else if (line.startsWith("changed: ")) lines.push(`${line.slice(9).split(" ")[0]} ${task}`);
  }
  return lines;
}

async function deployRound(paths: StackPaths, round: number, repeat: number, out: Collected): Promise<void> {
  log(`round ${round}, deploy: lab reset (fresh hosts, not timed)`);
  await lab("reset", paths.inventory);
  const first = await deployRun("apply", paths.inventory);
  if (totalChanged(first.report) === 0) throw new Error("deploy's first apply changed nothing: the hosts were not fresh");
  out.deploy.first.push(first.seconds);
  log(`round ${round}, deploy: first apply ${first.seconds.toFixed(2)} s (changed ${changedPerHost(first.report.recap)})`);

  // The converged runs take about a second: --repeat of each per round, so one noisy second cannot move
  // the median.
  let noop!: DeployRun;
  let plan!: DeployRun;
  for (let k = 0; k < repeat; k++) {
    noop = await deployRun("apply", paths.inventory);
    expectNoChange(totalChanged(noop.report), "deploy's no-op apply", changedTasks(noop.report));
    out.deploy.noop.push(noop.seconds);
    out.trips.push(roundTripsPerTask(noop.report));
    out.deployPeakMb = Math.max(out.deployPeakMb, noop.peakMb);

    plan = await deployRun("plan", paths.inventory);
    expectNoChange(totalChanged(plan.report), "deploy plan", changedTasks(plan.report));
    out.deploy.plan.push(plan.seconds);
    out.deployPeakMb = Math.max(out.deployPeakMb, plan.peakMb);
  }

  const extra = ["-e", `${CHANGED_VAR}=${BASE_VALUE + round}`];
  const changePlan = await deployRun("plan", paths.inventory, extra);
  expectChange(totalChanged(changePlan.report), "deploy plan");
  const changeApply = await deployRun("apply", paths.inventory, extra);
  expectChange(totalChanged(changeApply.report), "deploy apply");
  out.deploy.changePlan.push(changePlan.seconds);
  out.deploy.changeApply.push(changeApply.seconds);
  out.deployPeakMb = Math.max(out.deployPeakMb, first.peakMb, noop.peakMb, plan.peakMb, changePlan.peakMb, changeApply.peakMb);
  log(
    `round ${round}, deploy: no-op ${noop.seconds.toFixed(2)} s (changed ${changedPerHost(noop.report.recap)}), ` +
      `plan ${plan.seconds.toFixed(2)} s, change ${changePlan.seconds.toFixed(2)} + ${changeApply.seconds.toFixed(2)} s ` +
      `(changed ${changedPerHost(changeApply.report.recap)})`,
  );
}

async function ansibleRound(paths: StackPaths, round: number, repeat: number, out: Collected): Promise<void> {
  log(`round ${round}, ansible: lab reset + python3 (not timed)`);
  await lab("reset", paths.inventory);
  // The Ansible inventory needs the lab's key, which the first reset creates.
  if (round === 1) await writeAnsibleInventory(paths);
  out.pythonPrep.push(await preparePython(paths));
  const control = await ControlDir.create();
  try {
    const recapChanged = (recap: Record<string, AnsibleRecap>) => ansibleChanged(recap);
    const first = await ansibleRun(paths, control);
    if (recapChanged(first.recap) === 0) throw new Error("Ansible's first run changed nothing: the hosts were not fresh");
    out.ansible.first.push(first.seconds);
    log(`round ${round}, ansible: first apply ${first.seconds.toFixed(2)} s (changed ${changedPerHost(first.recap)})`);

    let noop!: Awaited<ReturnType<typeof ansibleRun>>;
    let check!: Awaited<ReturnType<typeof ansibleRun>>;
    for (let k = 0; k < repeat; k++) {
      noop = await ansibleRun(paths, control);
      expectNoChange(recapChanged(noop.recap), "Ansible's no-op run", ansibleChangedTasks(noop.stdout));
      out.ansible.noop.push(noop.seconds);

      check = await ansibleRun(paths, control, { check: true });
      expectNoChange(recapChanged(check.recap), "ansible-playbook --check", ansibleChangedTasks(check.stdout));
      out.ansible.plan.push(check.seconds);
    }

    const extra = [`${CHANGED_VAR}=${BASE_VALUE + round}`];
    const changeCheck = await ansibleRun(paths, control, { check: true, extra });
    expectChange(recapChanged(changeCheck.recap), "ansible-playbook --check");
    const changeApply = await ansibleRun(paths, control, { extra });
    expectChange(recapChanged(changeApply.recap), "ansible-playbook");
    out.ansible.changePlan.push(changeCheck.seconds);
    out.ansible.changeApply.push(changeApply.seconds);
    log(
      `round ${round}, ansible: no-op ${noop.seconds.toFixed(2)} s (changed ${changedPerHost(noop.recap)}), ` +
        `check ${check.seconds.toFixed(2)} s, change ${changeCheck.seconds.toFixed(2)} + ${changeApply.seconds.toFixed(2)} s ` +
        `(changed ${changedPerHost(changeApply.recap)})`,
    );
  } finally {
    await control.close();
  }
}

interface Row {
  label: string;
  deploy: Figure;
  ansible: Figure;
  /** Minimum speed-up (Ansible / deploy) the issue asks for. */
  target: number;
  /** An absolute ceiling for deploy's figure, seconds. */
  ceiling?: number;
}

function rows(data: Collected): Row[] {
  const sum = (a: number[], b: number[]) => a.map((x, i) => x + (b[i] ?? Number.NaN));
  return [
    { label: "first apply (fresh hosts)", deploy: figure(data.deploy.first), ansible: figure(data.ansible.first), target: 1.3 },
    { label: "no-op re-apply", deploy: figure(data.deploy.noop), ansible: figure(data.ansible.noop), target: 10 },
    { label: "plan / --check, converged", deploy: figure(data.deploy.plan), ansible: figure(data.ansible.plan), target: 10, ceiling: 1.5 },
    {
      label: `one var changed: plan + apply`,
      deploy: figure(sum(data.deploy.changePlan, data.deploy.changeApply)),
      ansible: figure(sum(data.ansible.changePlan, data.ansible.changeApply)),
      target: 5,
    },
  ];
}

/** One tool's figures (--only): no ratios, nothing to compare with. */
function reportOne(tool: Tool, data: Collected, rounds: number): string {
  const runs = data[tool];
  const measures: [string, number[]][] = [
    ["first apply (fresh hosts)", runs.first],
    ["no-op re-apply", runs.noop],
    [tool === "deploy" ? "plan, converged" : "--check, converged", runs.plan],
    ["one var changed: plan", runs.changePlan],
    ["one var changed: apply", runs.changeApply],
  ];
  return [
    `Reference stack, ${tool} only (--only), on 3 fresh lab hosts; median (min-max) of ${rounds} rounds. Not a comparison.`,
    "",
    table([["", tool], ...measures.map(([label, values]) => [label, seconds(figure(values))])]),
  ].join("\n");
}

function report(data: Collected, rounds: number, repeat: number, load: number): string {
  const lines = rows(data);
  const tableRows = [
    ["", "deploy", "Ansible", "Ansible / deploy", "target", "met"],
    ...lines.map((r) => {
      const ratio = r.ansible.median / r.deploy.median;
      const met = ratio >= r.target && (r.ceiling === undefined || r.deploy.median < r.ceiling);
      const target = `>= ${r.target}x${r.ceiling !== undefined ? `, deploy < ${r.ceiling} s` : ""}`;
      return [r.label, seconds(r.deploy), seconds(r.ansible), `${ratio.toFixed(1)}x`, target, met ? "MET" : "MISSED"];
    }),
  ];
  const worstTrips = Math.max(...data.trips.map((t) => t.max));
  const meanTrips = data.trips.reduce((a, t) => a + t.mean, 0) / Math.max(1, data.trips.length);
  return [
    `Reference stack (playbooks/site.yaml vs bench/ansible/site.yml) on 3 fresh lab hosts; median (min-max) of ${rounds} rounds,`,
    `no-op and plan/check ${repeat} times per round (${rounds * repeat} runs each).`,
    `Other work kept ${load.toFixed(2)} of the machine's cores busy just before the runs (a shared machine).`,
    "",
    table(tableRows),
    "",
    `deploy no-op: ${meanTrips.toFixed(2)} SSH round trips per task per host (worst host ${worstTrips.toFixed(2)}; target <= 1.5): ${worstTrips <= 1.5 ? "MET" : "MISSED"}`,
    `deploy peak memory (RSS) over all its runs: ${data.deployPeakMb.toFixed(0)} MB`,
    `one var changed, split: deploy plan ${seconds(figure(data.deploy.changePlan))} + apply ${seconds(figure(data.deploy.changeApply))}; ` +
      `Ansible --check ${seconds(figure(data.ansible.changePlan))} + run ${seconds(figure(data.ansible.changeApply))}`,
    `Not counted for Ansible: python3 + python3-apt on its fresh hosts, ${seconds(figure(data.pythonPrep))} per round.`,
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "3" },
      repeat: { type: "string", default: "3" },
      keep: { type: "boolean", default: false },
      only: { type: "string" },
    },
  });
  const rounds = Number(values.rounds);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error("--repeat takes a whole number >= 1");
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds takes a whole number >= 1");
  const only = values.only;
  if (only !== undefined && only !== "deploy" && only !== "ansible") throw new Error("--only takes deploy or ansible");
  if (process.getuid?.() !== 0) throw new Error("the benchmark boots lab hosts and needs root");
  const missing = only === "deploy" ? [] : ansibleMissing();
  // Found now, not after the deploy rounds: the app role's copied tree is synchronize's, which runs rsync here.
  if (missing.length > 0) throw new Error(`${missing.join(" and ")} not found: apt-get install -y ansible rsync (Debian's packages)`);

  const paths = stackPaths();
  await writeStackInventory(paths);
  const data: Collected = { deploy: emptyRuns(), ansible: emptyRuns(), pythonPrep: [], trips: [], deployPeakMb: 0 };
  const load = await backgroundLoad();
  try {
    for (let round = 1; round <= rounds; round++) {
      if (only !== "ansible") await deployRound(paths, round, repeat, data);
      if (only !== "deploy") await ansibleRound(paths, round, repeat, data);
    }
  } finally {
    if (!values.keep) {
      log("lab down");
      await lab("down", paths.inventory).catch((error: unknown) => log(String(error)));
    }
  }
  if (only !== undefined) {
    console.log(reportOne(only, data, rounds));
    return;
  }
  const text = report(data, rounds, repeat, load);
  console.log(text);
  const out = path.join(repoRoot(), "bench", "results", "stack.md");
  await writeResults(out, "Reference stack: deploy vs Ansible (generated by `npm run bench`)", text, [
    "Raw seconds per round:",
    "",
    "```",
    JSON.stringify({ deploy: data.deploy, ansible: data.ansible, pythonPrep: data.pythonPrep }, null, 1),
    "```",
    "",
  ]);
  log(`written ${path.relative(repoRoot(), out)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
