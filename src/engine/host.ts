// One host through one play: its tasks in order, then the handlers its changed tasks (and handlers) notified.
import type { Host, Play, Project, Vars } from "../config/model.js";
import { ConnectionError, type Connection } from "../connection/types.js";
import type { Facts } from "../facts/types.js";
import { getModule } from "../modules/registry.js";
import type { ApplyResult, Module, Plan, ProbeOutput } from "../modules/types.js";
import type { Evaluator } from "./evaluator.js";
import type { RunMemo } from "./run-memo.js";
import type { EventSink, HostStatus, RunMode, TaskRef } from "./events.js";
import { handlerEntries, taskEntries, type Entry } from "./entry.js";
import { errorMessage, errorOutcome, failedOutcome, okOutcome, planOutcome, skippedOutcome, type ItemOutcome } from "./item-outcome.js";
import { applyStep, decideStep, prepareStep, type Prepared } from "./module-step.js";
import { buildProbeBatch } from "./probe-batch.js";
import { probeKey } from "../modules/lib/lookup.js";
import { paramsKey, ProbeCache } from "./probe-cache.js";
import { judgeResult, type Verdict } from "./result-conditions.js";
import { probesAhead, type AheadProbe } from "./speculation.js";
import { applyContext, prepareContext } from "./task-context.js";
import { HandlerQueue } from "./handler-queue.js";
import { shownTaskName } from "./task-name.js";
import { taskTarget, type TaskTarget } from "./delegate.js";
import type { PlayTasks, TagFilter } from "./task-list.js";
import type { EarlierHandlers } from "./pending-handlers.js";

export interface HostPlayContext {
  project: Project;
  play: Play;
  playTasks: PlayTasks;
  host: Host;
  conn: Connection;
  facts: Facts;
  mode: RunMode;
  tags: TagFilter;
  forceHandlers: boolean;
  /** Aborted: no further task starts (handlers still run). */
  stop?: AbortSignal;
  emit: EventSink;
  evaluator: Evaluator;
  /** Shared by the hosts of the run. */
  memo: RunMemo;
  /** This host's registered results; kept across plays. */
  registered: Vars;
  secrets: ReadonlySet<string>;
  /** Re-gather facts after a module that may change them. */
  regatherFacts(): Promise<Facts>;
  /** The connection of another inventory host, for `delegate_to`. */
  connectionOf(host: Host): Promise<Connection>;
  /** Handlers of this play an earlier apply left owed on the host, and where this run's are told. */
  earlier?: EarlierHandlers;
  /** This play's first probes, sent while the host waited for the play to start (next-play.ts). */
  probedBefore?: ProbeCache;
  /** Told as a task item starts to change a host (a change, a command, a handler; delegated or not). */
  touched?: () => void;
}

export type HostOutcome = HostStatus;

const NO_ITEM = Symbol("no item");

const RECORDED = (them: string) => `recorded on the host: the next apply runs ${them}`;
// No connection, no record: the next run has nothing that tells it of these handlers.
const LOST = (them: string) => `the next run will not notify ${them} again`;

export async function runHostPlay(ctx: HostPlayContext): Promise<HostOutcome> {
  const runner = new HostRunner(ctx);
  const outcome = await runner.run();
  // An unreachable host cannot be written to: its record stays as it was read.
  if (outcome !== "unreachable") runner.settleHandlers();
  return outcome;
}

/**
 * The play's first round trip of probes, sent before the play starts on the host (see next-play.ts): the
 * cache that runHostPlay takes as `probedBefore`.
 */
export async function probeFirst(ctx: HostPlayContext): Promise<ProbeCache> {
  return new HostRunner(ctx).probeFirst();
}

class HostRunner {
  private readonly cache: ProbeCache;
  /** Plan mode: the first task of this host that would change something. */
  private pendingChange: string | undefined;
  private readonly handlers: HandlerQueue;
  private facts: Facts;

  constructor(private readonly ctx: HostPlayContext) {
    this.facts = ctx.facts;
    this.cache = ctx.probedBefore ?? new ProbeCache();
    // Prepared before the plays in between ran: what a template read from the vars (results registered
    // since) is prepared again when taken; rendered params are compared anyway.
    if (ctx.probedBefore) this.cache.varsChanged();
    this.handlers = new HandlerQueue(ctx.playTasks.handlers, handlerEntries(ctx.playTasks, ctx.project.inventory.projectDir));
    this.handlers.seed(ctx.earlier?.seeded ?? []);
  }

  settleHandlers(): void {
    this.ctx.earlier?.settle(this.handlers.done(), this.handlers.owed());
  }

  async run(): Promise<HostOutcome> {
    const { playTasks, project } = this.ctx;
    const projectDir = project.inventory.projectDir;
    const tasks = taskEntries(playTasks, this.ctx.tags, projectDir);
    let outcome = await this.runEntries(tasks, this.ctx.stop);
    if (outcome === "unreachable") {
      if (this.ctx.mode === "apply") this.warnDroppedHandlers("the host became unreachable", LOST);
      return outcome;
    }
    if (outcome === "failed" && !this.ctx.forceHandlers && this.ctx.mode === "apply") this.warnDroppedHandlers("a task failed", (them) => `${RECORDED(them)} (--force-handlers runs handlers even after a failure)`);
    // Stopped on request: the changes made so far get their handlers, as on a run that ended normally.
    if (outcome === "ok" || outcome === "interrupted" || this.ctx.forceHandlers) {
      const handlerOutcome = await this.runHandlers();
      if (handlerOutcome !== "ok") outcome = handlerOutcome;
    }
    return outcome;
  }

  /**
   * The notified handlers, round after round (see handler-queue.ts). A round after the first runs only
   * because a handler changed in the one before; on a host that converges each handler changes at most once
   * (a handler that notifies itself reports ok on its second run), so there are at most as many rounds as
   * handlers, plus the last one where nothing changed. One more means handlers that keep notifying each other.
   */
  private async runHandlers(): Promise<HostOutcome> {
    const limit = this.ctx.playTasks.handlers.length + 1;
    for (let round = this.handlers.nextRound(); round; round = this.handlers.nextRound()) {
      if (this.handlers.rounds > limit) return this.handlerLoop(round);
      this.cache.clear();
      const outcome = await this.runEntries(round);
      if (outcome !== "ok") {
        if (outcome === "failed" && this.ctx.mode === "apply") this.warnDroppedHandlers("a handler failed", RECORDED);
        return outcome;
      }
    }
    return "ok";
  }

  /** Fails the host on the first handler still notified: the recap counts it, the report names it. */
  private handlerLoop(round: Entry[]): HostOutcome {
    const first = round[0]!;
    const names = round.map((e) => `'${e.task.name}'`).join(", ");
    const outcome = failedOutcome(
      first.task,
      `handlers keep notifying each other: ${names} notified again after ${this.handlers.rounds - 1} rounds of handlers; ` +
        "a handler that notifies one defined before it (or itself) must report no change once the host is converged",
    );
    this.ctx.emit({ type: "task-start", play: this.ctx.play.name, host: this.ctx.host.name, task: this.ref(first) });
    this.emitItem(first, this.ref(first), outcome, Date.now());
    return "failed";
  }

  /**
   * The changes that notified them are made and the next run will find them converged, so no task of it
   * would notify these handlers again: the user must know whether the host's record (pending-handlers.ts)
   * keeps them for the next apply.
   */
  private warnDroppedHandlers(because: string, next: (them: string) => string): void {
    const names = this.handlers.pending().map((name) => `'${name}'`);
    if (names.length === 0) return;
    this.ctx.emit({
      type: "warning",
      host: this.ctx.host.name,
      message: `handler${names.length > 1 ? "s" : ""} ${names.join(", ")} notified but not run because ${because}; ${next(names.length > 1 ? "them" : "it")}`,
    });
  }

  private async runEntries(entries: Entry[], stop?: AbortSignal): Promise<HostOutcome> {
    for (let i = 0; i < entries.length; i++) {
      if (stop?.aborted) {
        this.ctx.emit({ type: "host-interrupted", play: this.ctx.play.name, host: this.ctx.host.name, next: entries[i]!.task.name, left: entries.length - i });
        return "interrupted";
      }
      try {
        if (!(await this.runEntry(entries, i))) return "failed";
      } catch (error: unknown) {
        if (error instanceof ConnectionError) {
          this.ctx.emit({ type: "task", play: this.ctx.play.name, host: this.ctx.host.name, task: this.ref(entries[i]!), status: "unreachable", summary: error.message, durationMs: 0 });
          this.ctx.emit({ type: "host-unreachable", play: this.ctx.play.name, host: this.ctx.host.name, message: error.message, hint: error.hint });
          return "unreachable";
        }
        throw error;
      }
    }
    return "ok";
  }

  private ref(entry: Entry): TaskRef {
    const { task } = entry;
    const name = shownTaskName(entry, (text) => this.ctx.evaluator.render(text, this.scopeFor(entry), "name"));
    return { name, module: task.module, role: task.role, location: task.location, handler: entry.handler };
  }

  private scopeFor(entry: Entry, item: unknown = NO_ITEM, extraRegistered?: Vars): Vars {
    return this.ctx.evaluator.scope({
      host: this.ctx.host,
      play: this.ctx.play,
      roleRef: entry.roleRef,
      facts: this.facts,
      registered: extraRegistered ? { ...this.ctx.registered, ...extraRegistered } : this.ctx.registered,
      item: item === NO_ITEM ? undefined : { value: item },
    });
  }

  private become(entry: Entry, target: Host = this.ctx.host): boolean {
    return entry.task.become ?? this.ctx.play.become ?? target.become;
  }

  private targetOf(entry: Entry, scope: Vars): Promise<TaskTarget> {
    const { host, conn, evaluator, project } = this.ctx;
    return taskTarget({ host, conn, evaluator, hosts: project.inventory.hosts, connectionOf: (h) => this.ctx.connectionOf(h) }, entry, scope);
  }

  /**
   * The items to probe ahead. A task without a loop whose condition reads a result not registered yet
   * (`when: "!site.changed"`) is probed as if it will run: probes are read-only, and one wasted when the
   * condition turns out false costs less than the round trip the task would need on its own.
   */
  private itemsAhead(entry: Entry): unknown[] | undefined {
    try {
      return this.itemsOf(entry);
    } catch (error: unknown) {
      if (entry.task.loop === undefined) return [NO_ITEM];
      throw error;
    }
  }

  /** Conditions true and the items to run (a single NO_ITEM without a loop). */
  private itemsOf(entry: Entry): unknown[] | undefined {
    const scope = this.scopeFor(entry);
    for (const condition of entry.conditions) {
      if (!this.ctx.evaluator.test(condition, scope, "when")) return undefined;
    }
    if (entry.task.loop === undefined) return [NO_ITEM];
    const items = this.ctx.evaluator.render(entry.task.loop, scope, "loop");
    if (!Array.isArray(items)) throw new Error(`loop: must be a list, got ${typeof items}`);
    return items;
  }

  /** Runs one entry; false when the host must stop (a failure not ignored). */
  private async runEntry(entries: Entry[], index: number): Promise<boolean> {
    const entry = entries[index]!;
    const { emit, play, host } = this.ctx;
    const ref = this.ref(entry);
    const started = Date.now();
    emit({ type: "task-start", play: play.name, host: host.name, task: ref });

    let items: unknown[] | undefined;
    try {
      items = this.itemsOf(entry);
    } catch (error: unknown) {
      const outcome = this.errorOutcome(entry, error);
      this.emitItem(entry, ref, outcome, started);
      return this.finish(entry, [outcome]);
    }
    if (items === undefined) {
      const outcome = skippedOutcome("condition is false");
      this.emitItem(entry, ref, outcome, started);
      return this.finish(entry, [outcome]);
    }
    const outcomes: ItemOutcome[] = [];
    for (let k = 0; k < items.length; k++) {
      const itemStarted = Date.now();
      const outcome = await this.runItem(entries, index, k, items[k]);
      outcomes.push(outcome);
      this.emitItem(entry, ref, outcome, itemStarted, items[k]);
      if (outcome.touched) this.cache.hostChanged();
      if (outcome.status === "failed" && !outcome.ignored) break;
    }
    if (items.length === 0) {
      const outcome = skippedOutcome("loop has no items");
      this.emitItem(entry, ref, outcome, started);
      return this.finish(entry, [outcome]);
    }
    return this.finish(entry, outcomes);
  }

  /** Register, notify, and tell whether the host goes on. */
  private finish(entry: Entry, outcomes: ItemOutcome[]): boolean {
    const { task } = entry;
    const changed = outcomes.some((o) => o.status === "changed");
    const failed = outcomes.some((o) => o.status === "failed" && !o.ignored);
    if (task.register) {
      const single = outcomes.length === 1 && entry.task.loop === undefined;
      this.ctx.registered[task.register] = single
        ? outcomes[0]!.result
        : { changed, failed, skipped: outcomes.every((o) => o.status === "skipped"), results: outcomes.map((o) => o.result) };
      this.cache.varsChanged();
    }
    if (!entry.handler) {
      if (changed) this.handlers.notify(task.notify);
    } else if (this.handlers.finished(entry, changed, failed)) {
      this.cache.clear();
    }
    return !failed;
  }

  private emitItem(entry: Entry, ref: TaskRef, outcome: ItemOutcome, started: number, item: unknown = NO_ITEM): void {
    this.ctx.emit({
      type: "task",
      play: this.ctx.play.name,
      host: this.ctx.host.name,
      task: ref,
      status: outcome.status,
      item: item === NO_ITEM ? undefined : itemLabel(item),
      summary: outcome.summary,
      diffs: outcome.diffs,
      pending: outcome.pending,
      ignored: outcome.ignored,
      durationMs: Date.now() - started,
    });
    if (outcome.status === "changed" && this.ctx.mode === "plan" && !this.pendingChange) {
      this.pendingChange = entry.task.name;
    }
  }

  private moduleOf(entry: Entry): Module {
    const module = getModule(entry.task.module);
    if (!module) throw new Error(`module: unknown module '${entry.task.module}'`);
    return module;
  }

  /** The item's scope and rendered params; `key` tells whether a speculative probe was built from the same. */
  private renderItem(entry: Entry, item: unknown): { params: unknown; key: string; scope: Vars } {
    const scope = this.scopeFor(entry, item);
    const params = this.ctx.evaluator.render(entry.task.params, scope, entry.task.module);
    return { params, key: paramsKey(params), scope };
  }

  private async prepareItem(entry: Entry, item: unknown): Promise<{ prepared: Prepared; key: string; readsVars: boolean }> {
    const { params, key, scope } = this.renderItem(entry, item);
    let readsVars = false;
    const prepared = await prepareStep(this.moduleOf(entry), params, this.prepareCtx(entry, scope, () => (readsVars = true)));
    return { prepared, key, readsVars };
  }

  private prepareCtx(entry: Entry, scope: Vars, onVarsRead?: () => void) {
    return prepareContext({
      ...(onVarsRead ? { onVarsRead } : {}),
      hostName: this.ctx.host.name,
      facts: this.facts,
      scope,
      baseDir: entry.baseDir,
      projectDir: this.ctx.project.inventory.projectDir,
      secrets: this.ctx.secrets,
      planOnly: this.ctx.mode === "plan",
      evaluator: this.ctx.evaluator,
      memo: this.ctx.memo,
    });
  }

  private async runItem(entries: Entry[], index: number, itemIndex: number, item: unknown): Promise<ItemOutcome> {
    const entry = entries[index]!;
    let prepared: Prepared;
    let scope: Vars;
    let observed: ProbeOutput | undefined;
    let target: TaskTarget;
    try {
      const rendered = this.renderItem(entry, item);
      scope = rendered.scope;
      target = await this.targetOf(entry, scope);
      // A speculative probe built from the same params was prepared already: preparing again (reading a
      // copied tree, rendering a template) would only repeat that work. One prepared from the vars before a
      // result was registered is prepared again; its observation still holds if the probe is the same
      // script (the host has not changed since, or the cache would have been cleared).
      const cached = target.delegated ? undefined : this.cache.take(index, itemIndex, rendered.key);
      const fresh = !cached || cached.varsChanged ? await prepareStep(this.moduleOf(entry), rendered.params, this.prepareCtx(entry, scope)) : undefined;
      if (cached && (!fresh || probeKey(fresh.probe) === probeKey(cached.prepared.probe))) {
        prepared = fresh ?? cached.prepared;
        observed = cached.observed;
        this.cache.hit();
      } else {
        prepared = fresh!;
        if (!prepared.probe) observed = undefined;
        else if (target.delegated) observed = await this.probeOn(target.conn, this.become(entry, target.host), [prepared]).then((o) => o[0]);
        else observed = await this.probe(entries, index, itemIndex, prepared);
      }
    } catch (error: unknown) {
      if (error instanceof ConnectionError) throw error;
      return this.errorOutcome(entry, error);
    }
    const prepCtx = this.prepareCtx(entry, scope);
    const plan = decideStep(prepared, observed, prepCtx);
    if (this.ctx.mode === "plan") return planOutcome(entry.task, prepared, plan, this.pendingChange);
    return this.applyOutcome(entry, prepared, plan, scope, item, target);
  }

  /** Run probes in one round trip on a connection. */
  private async probeOn(conn: Connection, become: boolean, prepared: Prepared[]): Promise<Array<ProbeOutput | undefined>> {
    const { script, parse } = buildProbeBatch(prepared.map((p) => p.probe!));
    this.ctx.emit({ type: "command", host: this.ctx.host.name, command: script.text });
    const result = await conn.exec(script, { become });
    const outputs = parse(result.stdout);
    if (outputs[0]?.exitCode === null && result.exitCode !== 0) {
      throw new Error(`probe failed: ${(result.stderr || result.stdout).trim().split("\n").slice(-3).join(" / ")}`);
    }
    return outputs;
  }

  async probeFirst(): Promise<ProbeCache> {
    const entries = taskEntries(this.ctx.playTasks, this.ctx.tags, this.ctx.project.inventory.projectDir);
    const first = entries[0];
    if (!first) return this.cache;
    const become = this.become(first);
    const batch = await probesAhead(entries, 0, -1, this.cache.lookahead, this.aheadHooks(become));
    if (batch.length === 0) return this.cache;
    const outputs = await this.probeOn(this.ctx.conn, become, batch.map((b) => b.prepared));
    this.keepAhead(batch, outputs);
    return this.cache;
  }

  private aheadHooks(become: boolean) {
    return {
      sameRoundTrip: (entry: Entry) => this.become(entry) === become && entry.task.delegateTo === undefined,
      itemsOf: (entry: Entry) => this.itemsAhead(entry),
      prepareItem: (entry: Entry, item: unknown) => this.prepareItem(entry, item),
    };
  }

  /** What the probes sent ahead observed, for their entries to take. */
  private keepAhead(batch: AheadProbe[], outputs: Array<ProbeOutput | undefined>): void {
    batch.forEach((b, j) => this.cache.put(b.index, b.item, { paramsKey: b.key, prepared: b.prepared, observed: outputs[j], readsVars: b.readsVars }));
  }

  /** Probe this item, and speculatively the ones after it, in one round trip. */
  private async probe(entries: Entry[], index: number, itemIndex: number, first: Prepared): Promise<ProbeOutput | undefined> {
    const become = this.become(entries[index]!);
    const batch = await probesAhead(entries, index, itemIndex, this.cache.lookahead, this.aheadHooks(become));
    const outputs = await this.probeOn(this.ctx.conn, become, [first, ...batch.map((b) => b.prepared)]);
    this.keepAhead(batch, outputs.slice(1));
    return outputs[0];
  }

  private async applyOutcome(
    entry: Entry,
    prepared: Prepared,
    plan: Plan,
    scope: Vars,
    item: unknown,
    target: TaskTarget,
  ): Promise<ItemOutcome> {
    if (plan.kind === "ok") return okOutcome(plan);
    if (plan.kind !== "change") return failedOutcome(entry.task, plan.kind === "fail" ? plan.message : plan.reason);
    const ctx = applyContext(this.prepareCtx(entry, scope), target.conn, this.become(entry, target.host), this.ctx.emit);
    // Before the change: one cut short by a lost connection has still touched the host.
    this.ctx.touched?.();
    let applied: ApplyResult;
    try {
      applied = await applyStep(prepared, plan, ctx);
    } catch (error: unknown) {
      if (error instanceof ConnectionError && !target.delegated) throw error;
      return { ...failedOutcome(entry.task, errorMessage(error)), touched: true };
    }
    if (applied.changed && !target.delegated && prepared.module.invalidates?.length) this.facts = await this.ctx.regatherFacts();
    let withResult: Vars | undefined;
    let verdict: Verdict;
    try {
      verdict = judgeResult(entry.task, applied, (expression, field, own) =>
        this.ctx.evaluator.test(expression, (withResult ??= this.scopeFor(entry, item, own)), field),
      );
    } catch (error: unknown) {
      return { ...this.errorOutcome(entry, error), touched: true };
    }
    const { changed, failure, result } = verdict;
    if (failure !== undefined) return { ...failedOutcome(entry.task, failure), result, touched: true };
    return { status: changed ? "changed" : "ok", summary: applied.summary ?? plan.summary, diffs: plan.diffs, result, touched: true };
  }

  /** Losing the connection is not a task's failure: it ends the host's run (see runEntries). */
  private errorOutcome(entry: Entry, error: unknown): ItemOutcome {
    if (error instanceof ConnectionError) throw error;
    return errorOutcome(entry.task, error, this.ctx.mode === "plan");
  }
}

function itemLabel(item: unknown): string {
  if (typeof item === "string" || typeof item === "number" || typeof item === "boolean") return String(item);
  if (item && typeof item === "object" && "name" in item && typeof (item as { name: unknown }).name === "string") {
    return (item as { name: string }).name;
  }
  const json = JSON.stringify(item) ?? String(item);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}
