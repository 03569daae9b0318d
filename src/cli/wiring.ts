// Connects the layers for a run: config -> engine <- connections, facts, evaluator.
import type { Project } from "../config/model.js";
import { matchHosts } from "../config/patterns.js";
import { loadProject } from "../config/project.js";
import { createConnectionEnv, openConnection } from "../connection/open.js";
import { gatherFacts } from "../facts/gather.js";
import type { RunDeps } from "../engine/run.js";
import { createEvaluator } from "../template/evaluator.js";
import type { CliIO } from "./command.js";
import { UsageError } from "./command.js";

export interface RunInputs {
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

export async function loadForRun(inputs: RunInputs): Promise<LoadedRun> {
  const project = await loadProject({
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
    throw new UsageError(`--limit: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (names.length === 0) throw new UsageError(`--limit '${inputs.limit}' matches no host`);
  return { project, limit: new Set(names) };
}

export async function runDeps(loaded: LoadedRun, io: CliIO, warn: (line: string) => void): Promise<RunDeps> {
  const { project } = loaded;
  const env = await createConnectionEnv(io.env, { warn, interactive: io.isTTY, secrets: project.secrets });
  return {
    evaluator: createEvaluator(project),
    matchHosts: (pattern) => matchHosts(pattern, project.inventory),
    connect: (host, stop) => openConnection(host, project.inventory, env, stop),
    gatherFacts,
  };
}
