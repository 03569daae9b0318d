// Connects the layers for a run: config -> engine <- connections, facts, evaluator.
import { hostname, userInfo } from "node:os";
import path from "node:path";
import type { Project } from "../config/model.js";
import { ansiblePatternHint, matchHosts } from "../config/patterns.js";
import { loadProject, type ProjectOptions } from "../config/project.js";
import { ConfigError } from "../config/problems.js";
import { createConnectionEnv, openConnection } from "../connection/open.js";
import { gatherFacts, gatherFactsLocked } from "../facts/gather.js";
import type { LockHolder } from "../facts/host-lock.js";
import type { RunMode } from "../engine/events.js";
import type { RunDeps } from "../engine/run.js";
import { createEvaluator } from "../template/evaluator.js";
import { isPlaybook } from "./argument-order.js";
import type { CliIO } from "./command.js";
import { UsageError } from "./command.js";

export interface RunInputs {
  /** `apply` (the default) or `plan`, for messages. */
  command?: string;
  cwd: string;
  inventoryFile: string;
  playbookFile?: string;
  extraVars: string[];
  limit?: string;
  vaultPasswordFile?: string;
  env: NodeJS.ProcessEnv;
}

export interface LoadedRun {
  project: Project;
  /** Host names allowed by --limit. */
  limit?: Set<string>;
}

/**
 * loadProject; when it fails and the first argument is a playbook, ansible-playbook's order (`deploy apply
 * site.yml inventory.yaml`) was meant: say "inventory first" instead of the inventory's problems.
 */
export async function loadInOrder(command: string, options: ProjectOptions): Promise<Project> {
  try {
    return await loadProject(options);
  } catch (error: unknown) {
    if (!(error instanceof ConfigError) || !isPlaybook(path.resolve(options.cwd, options.inventoryFile))) throw error;
    const given = options.playbookFile;
    const order = given === undefined ? `deploy ${command} <inventory> ${options.inventoryFile}` : `deploy ${command} ${given} ${options.inventoryFile}`;
    throw new UsageError(`'${options.inventoryFile}' is a playbook: the inventory comes first (${order})`, { cause: error });
  }
}

export async function loadForRun(inputs: RunInputs): Promise<LoadedRun> {
  const project = await loadInOrder(inputs.command ?? "apply", {
    cwd: inputs.cwd,
    inventoryFile: inputs.inventoryFile,
    ...(inputs.playbookFile !== undefined ? { playbookFile: inputs.playbookFile } : {}),
    extraVars: inputs.extraVars,
    env: inputs.env,
    ...(inputs.vaultPasswordFile !== undefined ? { vaultPasswordFile: inputs.vaultPasswordFile } : {}),
  });
  if (inputs.limit === undefined) return { project };
  let names: string[];
  try {
    names = matchHosts(inputs.limit, project.inventory);
  } catch (error: unknown) {
    const ansible = ansiblePatternHint(inputs.limit);
    throw new UsageError(`--limit: ${ansible ? `'${inputs.limit}': ${ansible}` : error instanceof Error ? error.message : String(error)}`);
  }
  if (names.length === 0) throw new UsageError(`--limit '${inputs.limit}' matches no host`);
  return { project, limit: new Set(names) };
}

/** This process, as the host lock names it to another deploy (since: when it took that host's lock). */
export function lockHolder(env: NodeJS.ProcessEnv, since: Date = new Date()): LockHolder {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // A uid without a passwd entry (some containers).
    user = env["USER"] || env["LOGNAME"] || String(process.getuid?.() ?? "unknown");
  }
  return { user, machine: hostname(), pid: process.pid, since };
}

/** `mode`: an apply takes each host's lock as it gathers its facts; a plan only reads who holds it. */
export async function runDeps(loaded: LoadedRun, io: CliIO, warn: (line: string) => void, mode: RunMode = "apply"): Promise<RunDeps> {
  const { project } = loaded;
  const env = await createConnectionEnv(io.env, { warn, interactive: io.isTTY, secrets: project.secrets });
  return {
    evaluator: createEvaluator(project),
    matchHosts: (pattern) => matchHosts(pattern, project.inventory),
    connect: (host, stop) => openConnection(host, project.inventory, env, stop),
    gatherFacts,
    gatherFirst: (conn) => gatherFactsLocked(conn, mode, lockHolder(io.env)),
  };
}
