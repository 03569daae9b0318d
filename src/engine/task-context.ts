// Builds the contexts modules see: where role files live, how templates render, how commands run.
import path from "node:path";
import { readFile } from "node:fs/promises";
import type { Vars } from "../config/model.js";
import type { Connection } from "../connection/types.js";
import type { Facts } from "../facts/types.js";
import type { ApplyContext, PrepareContext } from "../modules/types.js";
import type { Script } from "../util/shell.js";
import type { Evaluator } from "./evaluator.js";
import type { EventSink } from "./events.js";

/** Resolve `relPath` under `base/sub`, refusing anything that would escape it (`..`, absolute paths). */
export function insideDir(base: string, sub: string, relPath: string): string {
  const root = path.resolve(base, sub);
  const full = path.resolve(root, relPath);
  if (path.isAbsolute(relPath) || (full !== root && !full.startsWith(root + path.sep))) {
    throw new Error(`'${relPath}' points outside ${path.join(path.basename(base), sub)}/`);
  }
  return full;
}

export interface ContextInputs {
  hostName: string;
  facts: Facts;
  scope: Vars;
  /** The role's directory, or the project directory for a play's own tasks. */
  baseDir: string;
  secrets: ReadonlySet<string>;
  evaluator: Evaluator;
}

export function prepareContext(inputs: ContextInputs): PrepareContext {
  const { baseDir, evaluator } = inputs;
  return {
    hostName: inputs.hostName,
    facts: inputs.facts,
    vars: inputs.scope,
    roleDir: baseDir,
    secrets: inputs.secrets,
    renderTemplate: (relPath, vars) => evaluator.renderTemplateFile(insideDir(baseDir, "templates", relPath), vars),
    readRoleFile: (relPath) => readFile(insideDir(baseDir, "files", relPath)),
    roleFilePath: (relPath) => insideDir(baseDir, "files", relPath),
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
