// Builds the contexts modules see: where role files live, how templates render, how commands run.
import { readFile } from "node:fs/promises";
import type { Vars } from "../config/model.js";
import type { Connection } from "../connection/types.js";
import type { Facts } from "../facts/types.js";
import type { ApplyContext, PrepareContext } from "../modules/types.js";
import { insideDir } from "../util/inside-dir.js";
import type { Script } from "../util/shell.js";
import type { Evaluator } from "./evaluator.js";
import type { EventSink } from "./events.js";
import type { RunMemo } from "./run-memo.js";

export interface ContextInputs {
  hostName: string;
  facts: Facts;
  scope: Vars;
  /** The role's directory, or the project directory for a play's own tasks. */
  baseDir: string;
  /** Messages name role directories relative to it (`roles/web/files/`), as load-time ones do. */
  projectDir: string;
  secrets: ReadonlySet<string>;
  planOnly: boolean;
  evaluator: Evaluator;
  memo: RunMemo;
  /** Told when the module reads the vars (a template rendered from them), not only its params. */
  onVarsRead?: () => void;
}

export function prepareContext(inputs: ContextInputs): PrepareContext {
  const { baseDir, projectDir, evaluator, memo } = inputs;
  // The path check walks a role directory for escaping links: once per path and run, not per host.
  const inside = (sub: string, relPath: string) => memo.once(`inside:${baseDir}:${sub}:${relPath}`, () => insideDir(baseDir, sub, relPath, projectDir));
  return {
    hostName: inputs.hostName,
    facts: inputs.facts,
    get vars() {
      inputs.onVarsRead?.();
      return inputs.scope;
    },
    roleDir: baseDir,
    secrets: inputs.secrets,
    planOnly: inputs.planOnly,
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
