// The module contract. A module is one idempotent operation, split so that deciding needs no host:
//   prepare (control side) -> probe (one read-only script) -> decide (pure) -> apply (carries the change out).
// The engine batches the probes of many tasks into ONE round trip, which is why probe returns a script
// instead of running it. Table tests call decide() with probe output and need no host.
import type { z } from "zod";
import type { Vars } from "../config/model.js";
import type { Connection, ExecResult } from "../connection/types.js";
import type { Facts } from "../facts/types.js";
import type { Script } from "../util/shell.js";
import type { Probe } from "./lib/lookup.js";

/** A file's before/after text; the report turns it into a unified diff. */
export interface FileDiff {
  path: string;
  before: string;
  after: string;
}

export type Plan =
  /**
   * The host already is as described. `result`: fields for `register` that describe the current state
   * (e.g. a replica's status), merged into the task's result like ApplyResult.result.
   */
  | { kind: "ok"; summary?: string; result?: Vars }
  /** Something would change. `summary` is one human line; files carry a diff. */
  | { kind: "change"; summary: string; diffs?: FileDiff[]; detail?: unknown }
  /**
   * The state cannot be checked because something it depends on is missing (the directory of a template,
   * the unit of a service), or the change is certain to fail because of something an earlier task may
   * still change (a held package, a uid another account has). In plan mode after an earlier pending change
   * this is reported, not failed; otherwise plan reports it as the failure apply would meet.
   */
  | { kind: "blocked"; reason: string }
  /** The probe showed the task cannot succeed (bad path, unsupported OS...). */
  | { kind: "fail"; message: string };

export type Change = Extract<Plan, { kind: "change" }>;

export interface ProbeOutput {
  exitCode: number | null;
  /** stdout and stderr of the probe, merged. */
  output: string;
}

/** What every stage may know about the host and the task. */
export interface TaskContext {
  hostName: string;
  facts: Facts;
  /** Fully resolved vars of the host (for modules that render templates). */
  vars: Vars;
  /** Absolute directory of the task's role, when the task comes from a role. */
  roleDir?: string;
  /** Values that must never be printed; modules redact diffs containing them. */
  secrets: ReadonlySet<string>;
  /** A plan: probes must not write on the host at all, not even a cache a read would refresh. */
  planOnly?: boolean;
}

export interface PrepareContext extends TaskContext {
  /** Render an EJS template file of the role (strict: an undefined variable is an error). */
  renderTemplate(relPath: string, vars: Vars): Promise<string>;
  /** Read a file of the role's files/ directory (path checked to stay inside the role). */
  readRoleFile(relPath: string): Promise<Buffer>;
  /** Absolute path of a role file or directory (checked to stay inside the role). */
  roleFilePath(relPath: string): string;
  /**
   * `make()`'s value, computed once per run and shared by all hosts: for work that depends only on `key`,
   * such as reading a directory of the control machine.
   */
  once<T>(key: string, make: () => T): T;
}

export interface ApplyContext extends TaskContext {
  conn: Connection;
  /** Run a command on the host; shown under --verbose (with secrets redacted). */
  run(command: Script, options?: { stdin?: string | Buffer; timeoutMs?: number }): Promise<ExecResult>;
}

export interface ApplyResult {
  changed: boolean;
  /** Failure message; the task fails when set. */
  failed?: string;
  /** Extra fields for `register` (command modules put rc, stdout, stderr here). */
  result?: Vars;
  /** Follow-up summary (e.g. what a command printed). */
  summary?: string;
}

export interface Module<P = unknown, S = unknown> {
  name: string;
  /** One-line description for docs and `deploy modules`. */
  description: string;
  /** THE parameter schema: types, validation and docs come from here only. */
  schema: z.ZodType<P>;
  /** Control-side preparation (render, hash, read role files). No host access. */
  prepare?(params: P, ctx: PrepareContext): Promise<S>;
  /** Read-only lookups and script that report the current state; undefined when nothing needs checking. */
  probe(params: P, prepared: S, ctx: TaskContext): Probe | undefined;
  /** Decide from what the probe printed. Pure. */
  decide(params: P, prepared: S, observed: ProbeOutput | undefined, ctx: TaskContext): Plan;
  /** Carry out a change decided by `decide`. */
  apply(params: P, prepared: S, change: Change, ctx: ApplyContext): Promise<ApplyResult>;
  /** Fact names this module may change when it changes something (the engine re-gathers them). */
  invalidates?: string[];
  /** True when the module's change cannot be previewed by a probe (command, shell): plan says "would run". */
  alwaysRuns?: boolean;
}
