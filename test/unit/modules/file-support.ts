// Shared by the file module tests: contexts without a host, synthetic probe output, and a runner that
// executes generated scripts with this machine's /bin/sh INSIDE a temp directory (the scripts only touch
// the paths a test gives them), which is how hostile file names are shown to arrive intact.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Connection, ExecResult } from "../../../src/connection/types.js";
import type { Facts } from "../../../src/facts/types.js";
import { decideStep, prepareStep } from "../../../src/engine/module-step.js";
import { buildProbeBatch } from "../../../src/engine/probe-batch.js";
import type { ApplyContext, ApplyResult, Module, Plan, PrepareContext, ProbeOutput } from "../../../src/modules/types.js";
import type { Script } from "../../../src/util/shell.js";

export function runSh(script: Script | string, stdin?: string | Buffer): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", typeof script === "string" ? script : script.text], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ exitCode: code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
    child.stdin.on("error", () => undefined); // a script may exit without reading stdin
    child.stdin.end(stdin ?? "");
  });
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "deploy-files-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Recorded {
  commands: string[];
}

/** A context whose role directory is `roleDir` and whose commands run locally (recorded). */
export function context(options: { roleDir?: string; secrets?: string[]; vars?: Record<string, unknown> } = {}): ApplyContext &
  PrepareContext & { recorded: Recorded } {
  const roleDir = options.roleDir ?? "/nonexistent-role";
  const recorded: Recorded = { commands: [] };
  const conn: Connection = {
    hostName: "local",
    capabilities: { remote: false },
    stats: { roundTrips: 0, bytesUp: 0, bytesDown: 0 },
    exec: (command, opts) => {
      recorded.commands.push(String(command));
      return runSh(typeof command === "string" ? command : command, opts?.stdin);
    },
    put: () => Promise.reject(new Error("not used")),
    get: () => Promise.reject(new Error("not used")),
    close: () => Promise.resolve(),
  };
  return {
    hostName: "local",
    facts: {} as Facts,
    vars: options.vars ?? {},
    roleDir,
    secrets: new Set(options.secrets ?? []),
    conn,
    recorded,
    run: (command, opts) => {
      recorded.commands.push(command.text);
      return runSh(command, opts?.stdin);
    },
    renderTemplate: async (rel, vars) => {
      // A tiny stand-in for the strict EJS renderer: <%- name %> replaced from vars.
      const text = await readFile(path.join(roleDir, "templates", rel), "utf8");
      return text.replace(/<%-\s*([A-Za-z_]\w*)\s*%>/g, (_m, name: string) => {
        if (!(name in vars)) throw new Error(`undefined variable ${name}`);
        return String(vars[name]);
      });
    },
    readRoleFile: (rel) => readFile(path.join(roleDir, "files", rel)),
    roleFilePath: (rel) => path.join(roleDir, "files", rel),
    once: (_key, make) => make(),
  };
}

export function probeOutput(output: string, exitCode = 0): ProbeOutput {
  return { exitCode, output };
}

/** prepare -> probe (run locally as the engine does, in a batch of one) -> decide. */
export async function check<P, S>(
  module: Module<P, S>,
  params: unknown,
  ctx: ReturnType<typeof context>,
): Promise<{ plan: Plan; probe: string; prepared: Awaited<ReturnType<typeof prepareStep<P, S>>> }> {
  const prepared = await prepareStep(module, params, ctx);
  let observed: ProbeOutput | undefined;
  let probe = "";
  if (prepared.probe) {
    const batch = buildProbeBatch([prepared.probe]);
    probe = batch.script.text;
    observed = batch.parse((await runSh(batch.script.text)).stdout)[0];
  }
  return { plan: decideStep(prepared, observed, ctx), probe, prepared };
}

/** check, then apply when there is a change. */
export async function converge<P, S>(
  module: Module<P, S>,
  params: unknown,
  ctx: ReturnType<typeof context>,
): Promise<{ plan: Plan; applied?: ApplyResult }> {
  const { plan, prepared } = await check(module, params, ctx);
  if (plan.kind !== "change") return { plan };
  return { plan, applied: await prepared.module.apply(prepared.params, prepared.state, plan, ctx) };
}
