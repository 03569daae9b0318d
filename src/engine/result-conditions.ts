// `changed_when` and `failed_when`: the user's own verdict on what a task did, read from its result.
import type { Task, Vars } from "../config/model.js";
import { allConditions } from "../config/schemas.js";
import type { ApplyResult } from "../modules/types.js";

export interface Verdict {
  changed: boolean;
  failure: string | undefined;
  /** What `register` stores, with the verdict in it. */
  result: Vars;
}

/**
 * `test(expression, field, own)` evaluates a condition in the task's scope with `own` added (`result`, and
 * the registered name, so a condition can say `result.rc != 0` or `out.stdout == ''`); it throws when the
 * condition cannot be evaluated.
 */
export function judgeResult(task: Task, applied: ApplyResult, test: (expression: string, field: string, own: Vars) => boolean): Verdict {
  let changed = applied.changed;
  let failure = applied.failed;
  const result: Vars = { changed, failed: failure !== undefined, skipped: false, ...(applied.result ?? {}) };
  const { changedWhen, failedWhen, register } = task;
  if (changedWhen === undefined && failedWhen === undefined) return { changed, failure, result };
  const own = { result, ...(register ? { [register]: result } : {}) };
  // A list holds when all its items do (Ansible's list), tested in order up to the first false one.
  if (changedWhen !== undefined) changed = allConditions(changedWhen).every((c) => test(c, "changed_when", own));
  if (failedWhen !== undefined) {
    const all = allConditions(failedWhen);
    failure = all.every((c) => test(c, "failed_when", own)) ? (failure ?? `failed_when is true: ${all.join(" && ")}`) : undefined;
  }
  result["changed"] = changed;
  result["failed"] = failure !== undefined;
  return { changed, failure, result };
}
