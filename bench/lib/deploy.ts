// Driving the `deploy` CLI for the benchmarks: the built bin/deploy.js as a child process (exactly what a
// user runs), its --json report read back for recaps and round-trip counts.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { timed, type Timed } from "./proc.js";

/** The repository root: the nearest directory above this file with package.json (works from bench/ and dist-bench/). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find the repository root (package.json) above the bench scripts");
    dir = up;
  }
  return dir;
}

export interface Recap {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
}

export interface DeployReport {
  durationMs: number;
  recap: Record<string, Recap>;
  stats: { roundTrips: Record<string, number>; tasks: Record<string, number>; roundTripsPerTask: Record<string, number> };
  tasks: Array<{ host: string; task: string; status: string; summary: string | null }>;
}

export interface DeployRun extends Timed {
  report: DeployReport;
}

/** `deploy apply|plan <inventory> [playbook] --json ...`; fails unless every host ends without failure. */
export async function deployRun(
  mode: "apply" | "plan",
  inventory: string,
  extraArgs: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<DeployRun> {
  const root = repoRoot();
  const args = [path.join(root, "bin", "deploy.js"), mode, inventory, "--json", ...extraArgs];
  const result = await timed(process.execPath, args, { cwd: root, env, label: `deploy ${mode} ${inventory}` });
  let report: DeployReport;
  try {
    report = JSON.parse(result.stdout) as DeployReport;
  } catch (error: unknown) {
    throw new Error(`deploy ${mode}: output is not JSON: ${result.stdout.slice(0, 500)}`, { cause: error });
  }
  return { ...result, report };
}

/** `deploy lab <action> <inventory>`. */
export async function lab(action: "up" | "reset" | "down" | "status", inventory: string): Promise<Timed> {
  const root = repoRoot();
  return timed(process.execPath, [path.join(root, "bin", "deploy.js"), "lab", action, inventory], { cwd: root, label: `deploy lab ${action}` });
}

export function totalChanged(report: DeployReport): number {
  return Object.values(report.recap).reduce((sum, r) => sum + r.changed, 0);
}

/** Mean of the per-host round trips per task, and the worst host. */
export function roundTripsPerTask(report: DeployReport): { mean: number; max: number } {
  const values = Object.values(report.stats.roundTripsPerTask);
  if (values.length === 0) return { mean: 0, max: 0 };
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, max: Math.max(...values) };
}

/** The tasks that changed (plan: would change), for messages when a no-op run is not one. */
export function changedTasks(report: DeployReport): string[] {
  return report.tasks.filter((t) => t.status === "changed").map((t) => `${t.host}: ${t.task}${t.summary ? ` (${t.summary})` : ""}`);
}
