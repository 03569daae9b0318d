// Builds the contexts modules see: where role files live, how templates render, how commands run.
import { lstatSync, readdirSync, realpathSync } from "node:fs";
import path from "node:path";
import { readFile } from "node:fs/promises";
import type { Vars } from "../config/model.js";
import type { Connection } from "../connection/types.js";
import type { Facts } from "../facts/types.js";
import type { ApplyContext, PrepareContext } from "../modules/types.js";
import type { Script } from "../util/shell.js";
import type { Evaluator } from "./evaluator.js";
import type { EventSink } from "./events.js";
import type { RunMemo } from "./run-memo.js";

/**
 * Resolve `relPath` under `base/sub`, refusing anything that would escape it: `..`, absolute paths, and
 * symbolic links (the path itself, a directory on the way, or any link inside a directory) whose target
 * lies outside `base/sub`. A role's files can never bring in a file of the control machine from elsewhere.
 */
export function insideDir(base: string, sub: string, relPath: string): string {
  const root = path.resolve(base, sub);
  const full = path.resolve(root, relPath);
  const shown = `${path.join(path.basename(base), sub)}/`;
  if (path.isAbsolute(relPath) || !within(root, full)) throw new Error(`'${relPath}' points outside ${shown}`);
  const realRoot = realOrUndefined(root);
  const real = realOrUndefined(full);
  // A path that does not exist escapes nothing; the module reports it missing.
  if (realRoot === undefined || real === undefined) return full;
  if (!within(realRoot, real)) throw new Error(`'${relPath}' is a symbolic link to ${real}, outside ${shown}`);
  const escaping = linkOutside(real, realRoot);
  if (escaping) throw new Error(`'${relPath}' holds ${escaping.link}, a symbolic link to ${escaping.target}, outside ${shown}`);
  return full;
}

function within(root: string, full: string): boolean {
  return full === root || full.startsWith(root + path.sep);
}

function realOrUndefined(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/** The first symbolic link under directory `dir` whose target is outside `root` (lstat walk; links are not followed). */
function linkOutside(dir: string, root: string): { link: string; target: string } | undefined {
  if (!lstatSync(dir).isDirectory()) return undefined;
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isSymbolicLink()) {
        const target = realOrUndefined(full);
        if (target !== undefined && !within(root, target)) return { link: path.relative(dir, full), target };
      }
    }
  }
  return undefined;
}

export interface ContextInputs {
  hostName: string;
  facts: Facts;
  scope: Vars;
  /** The role's directory, or the project directory for a play's own tasks. */
  baseDir: string;
  secrets: ReadonlySet<string>;
  evaluator: Evaluator;
  memo: RunMemo;
  /** Told when the module reads the vars (a template rendered from them), not only its params. */
  onVarsRead?: () => void;
}

export function prepareContext(inputs: ContextInputs): PrepareContext {
  const { baseDir, evaluator, memo } = inputs;
  // The path check walks a role directory for escaping links: once per path and run, not per host.
  const inside = (sub: string, relPath: string) => memo.once(`inside:${baseDir}:${sub}:${relPath}`, () => insideDir(baseDir, sub, relPath));
  return {
    hostName: inputs.hostName,
    facts: inputs.facts,
    get vars() {
      inputs.onVarsRead?.();
      return inputs.scope;
    },
    roleDir: baseDir,
    secrets: inputs.secrets,
    renderTemplate: (relPath, vars) => evaluator.renderTemplateFile(inside("templates", relPath), vars),
    readRoleFile: (relPath) => readFile(inside("files", relPath)),
    roleFilePath: (relPath) => inside("files", relPath),
    once: (key, make) => memo.once(key, make),
  };
}

export function applyContext(
  base: PrepareContext,
  conn: Connection,
  become: boolean,
  emit: EventSink,
): ApplyContext & PrepareContext {
  return {
    ...base,
    conn,
    run(command: Script, options = {}) {
      emit({ type: "command", host: base.hostName, command: command.text });
      return conn.exec(command, { ...options, become });
    },
  };
}
