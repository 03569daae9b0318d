// What one item of a task came to on one host, and the outcomes every path of the host runner builds.
import type { Task, TaskStatus } from "../config/model.js";
import { allConditions } from "../config/schemas.js";
import type { FileDiff, Plan } from "../modules/types.js";
import type { Prepared } from "./module-step.js";
import { findPending, pendingResult } from "./pending.js";

export interface ItemOutcome {
  status: TaskStatus;
  summary?: string;
  diffs?: FileDiff[];
  pending?: boolean;
  ignored?: boolean;
  /** What `register` stores for this item. */
  result: unknown;
  /** The host was changed (apply ran), so cached probes are stale. */
  touched: boolean;
}

export function skippedOutcome(summary: string): ItemOutcome {
  return { status: "skipped", summary, result: { changed: false, skipped: true }, touched: false };
}

export function okOutcome(plan: Extract<Plan, { kind: "ok" }>): ItemOutcome {
  return { status: "ok", summary: plan.summary, result: { ...plan.result, changed: false, failed: false, skipped: false }, touched: false };
}

export function failedOutcome(task: Task, message: string): ItemOutcome {
  return {
    status: "failed",
    summary: message,
    ignored: task.ignoreErrors || undefined,
    result: { changed: false, failed: true, skipped: false, msg: message },
    touched: false,
  };
}

/** Plan mode: a task that cannot be checked until an earlier change is made, reported as a change to come. */
function pendingOutcome(task: Task, summary: string): ItemOutcome {
  return { status: "changed", pending: true, summary, result: pendingResult(task.name), touched: false };
}

/**
 * Plan mode's outcome of a decided item. `pendingChange` is the first task of this host that would change
 * something: a check blocked by what it would create is pending on it, not failed.
 */
export function planOutcome(task: Task, prepared: Prepared, plan: Plan, pendingChange: string | undefined): ItemOutcome {
  switch (plan.kind) {
    case "ok":
      return okOutcome(plan);
    case "change":
      // A command the user declared read-only (`changed_when: false`) reports ok when it runs, so plan
      // must not list it as a change (plan after apply would never be clean). Its output stays unknown.
      if (prepared.module.alwaysRuns && allConditions(task.changedWhen).some((c) => c.trim() === "false")) {
        return { status: "ok", summary: `${plan.summary} (changed_when: false)`, result: pendingResult(task.name), touched: false };
      }
      return {
        status: "changed",
        summary: plan.summary,
        diffs: plan.diffs,
        // What a command prints is unknown until it runs; later reads of it are reported as pending.
        result: prepared.module.alwaysRuns ? pendingResult(task.name) : { changed: true, failed: false, skipped: false },
        touched: false,
      };
    case "blocked":
      if (pendingChange) return pendingOutcome(task, `cannot check until '${pendingChange}' is applied: ${plan.reason}`);
      return failedOutcome(task, plan.reason);
    case "fail":
      return failedOutcome(task, plan.message);
  }
}

/** An error while evaluating or preparing: pending in plan mode when it reads an unknown result, else failed. */
export function errorOutcome(task: Task, error: unknown, planMode: boolean): ItemOutcome {
  const pending = findPending(error);
  if (pending && planMode) return pendingOutcome(task, `unknown until '${pending.taskName}' runs`);
  return failedOutcome(task, errorMessage(error));
}

/** An error's message, and on the next line its hint when it has one (what to do about it). */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const hint = (error as { hint?: unknown }).hint;
  return typeof hint === "string" && hint !== "" ? `${error.message}\n${hint}` : error.message;
}
