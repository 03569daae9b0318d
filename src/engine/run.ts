// A whole run: plays in order; the hosts of a play in serial batches, in parallel up to `forks`;
// a failure budget per batch that counts unreachable hosts as failed.
import type { Host, Play, Project, Vars } from "../config/model.js";
import { ConnectionError } from "../connection/types.js";
import { HostBusy } from "../facts/host-lock.js";
import type { Evaluator } from "./evaluator.js";
import { RunMemo } from "./run-memo.js";
import type { EventSink, HostRecap, RunEvent, RunMode } from "./events.js";
import { probeFirst, runHostPlay, type HostOutcome, type HostPlayContext } from "./host.js";
import { NextPlayProbes } from "./next-play.js";
import { PendingHandlers } from "./pending-handlers.js";
import { ConnectStopped, Sessions, type Session, type SessionOpeners } from "./sessions.js";
import { planPlayTasks, type PlayTasks, type TagFilter } from "./task-list.js";

export interface RunOptions {
  mode: RunMode;
  /** Hosts of a play run in parallel up to this many. */
  forks: number;
  /** Host names allowed by --limit (undefined = all). */
  limit?: Set<string>;
  tags: TagFilter;
  forceHandlers: boolean;
  /**
   * Aborted when the user asks the run to stop (Ctrl-C): no task, host, batch or play starts after it;
   * the tasks running finish, then the handlers they notified run, so no change is left half-applied.
   */
  stop?: AbortSignal;
}

export interface RunDeps extends SessionOpeners {
  evaluator: Evaluator;
  /** Resolves a play's host pattern to host names, in inventory order. */
  matchHosts(pattern: string): string[];
}

export interface RunResult {
  recap: Record<string, HostRecap>;
  failedHosts: string[];
  unreachableHosts: string[];
  /** The run stopped early because `stop` was aborted. */
  interrupted: boolean;
}

export const DEFAULT_FORKS = 50;

export async function runPlaybook(project: Project, options: RunOptions, deps: RunDeps, sink: EventSink): Promise<RunResult> {
  const started = Date.now();
  const recap: Record<string, HostRecap> = {};
  const taskCounts: Record<string, number> = {};
  const emit: EventSink = (event: RunEvent) => {
    count(recap, taskCounts, event);
    sink(event);
  };
  const sessions = new Sessions(deps, options.stop, (host, message) => emit({ type: "warning", host, message }));
  const failed = new Set<string>();
  const unreachable = new Set<string>();
  const registered = new Map<string, Vars>();
  const memo = new RunMemo();
  const earlier = new PendingHandlers(project, options.mode, emit);
  const nextPlay = new NextPlayProbes();
  emit({ type: "run-start", mode: options.mode, playbook: project.playbook.file, inventory: project.inventory.file });
  const stopping = () => emit({ type: "stopping" });
  options.stop?.addEventListener("abort", stopping, { once: true });
  const plays = project.playbook.plays;
  let next = 0;
  try {
    for (; next < plays.length && !options.stop?.aborted; next++) {
      const play = plays[next]!;
      const hosts = deps
        .matchHosts(play.hosts)
        .filter((name) => !options.limit || options.limit.has(name))
        .filter((name) => !failed.has(name) && !unreachable.has(name))
        .map((name) => project.inventory.hosts.get(name)!);
      const aborted = await runPlay(project, next, hosts, { options, deps, sessions, emit, registered, failed, unreachable, recap, memo, earlier, nextPlay });
      if (aborted) {
        next++;
        break;
      }
    }
  } finally {
    options.stop?.removeEventListener("abort", stopping);
    await nextPlay.settle();
    // Before disconnecting: the handlers each host still owes, for the next apply (pending-handlers.ts).
    await earlier.save(unreachable);
    await sessions.closeAll();
  }
  emit({
    type: "run-end",
    mode: options.mode,
    recap,
    durationMs: Date.now() - started,
    stats: { roundTrips: sessions.roundTrips(), tasks: taskCounts },
    interrupted: Boolean(options.stop?.aborted),
    playsNotRun: plays.slice(next).map((p) => p.name),
  });
  return { recap, failedHosts: [...failed], unreachableHosts: [...unreachable], interrupted: Boolean(options.stop?.aborted) };
}

interface PlayRun {
  options: RunOptions;
  deps: RunDeps;
  sessions: Sessions;
  emit: EventSink;
  registered: Map<string, Vars>;
  failed: Set<string>;
  unreachable: Set<string>;
  recap: Record<string, HostRecap>;
  memo: RunMemo;
  earlier: PendingHandlers;
  nextPlay: NextPlayProbes;
}

const INTERRUPTED = "interrupted: the tasks that were running finished, no other task started";

/** The play's tasks and handlers, made once for the play's run and for the probes sent ahead of it. */
function playTasksOf(project: Project, index: number, run: PlayRun): PlayTasks {
  return run.memo.once(`play-tasks:${index}`, () => planPlayTasks(project.playbook.plays[index]!, project));
}

/** Runs one play; returns true when the failure budget or a stop aborted the run. */
async function runPlay(project: Project, playIndex: number, hosts: Host[], run: PlayRun): Promise<boolean> {
  const play = project.playbook.plays[playIndex]!;
  const batches = serialBatches(hosts, play.serial);
  for (const [index, batch] of batches.entries()) {
    // A host enters the recap when its batch starts (even if all its tasks are skipped); the hosts of
    // batches an aborted play never reached are not in it, rather than shown as all-zero "ok" lines.
    for (const h of batch) run.recap[h.name] ??= emptyRecap();
    run.emit({
      type: "play-start",
      play: play.name,
      hosts: batch.map((h) => h.name),
      batch: batches.length > 1 ? { index: index + 1, count: batches.length } : undefined,
    });
    const outcomes = await mapLimit(batch, run.options.forks, (host) => runHost(project, playIndex, host, run));
    // Hosts of the batches after this one, which an abort leaves as they were (a rolling update stopped
    // halfway leaves two versions: the user must know which hosts were not updated).
    const notReached = batches.slice(index + 1).flat().map((h) => h.name);
    const unreached = notReached.length > 0 ? { notReached } : {};
    // A stop during the batch (or just after it): the next batch never starts.
    if (run.options.stop?.aborted) {
      run.emit({ type: "play-end", play: play.name, aborted: INTERRUPTED, ...unreached });
      return true;
    }
    const lost = outcomes.filter((o) => o !== "ok").length;
    const budget = play.maxFailPercentage;
    const overBudget = budget !== undefined ? (lost / batch.length) * 100 > budget : batch.length > 0 && lost === batch.length;
    if (overBudget && lost > 0) {
      const reason =
        budget !== undefined
          ? `${lost} of ${batch.length} hosts failed, over max_fail_percentage ${budget}%`
          : `every host of the batch failed`;
      run.emit({ type: "play-end", play: play.name, aborted: reason, ...unreached });
      return true;
    }
  }
  run.emit({ type: "play-end", play: play.name });
  return false;
}

async function runHost(project: Project, index: number, host: Host, run: PlayRun): Promise<HostOutcome> {
  const play = project.playbook.plays[index]!;
  if (run.options.stop?.aborted) {
    // Waiting for a fork when the stop came: it never connects.
    run.emit({ type: "host-interrupted", play: play.name, host: host.name });
    return "interrupted";
  }
  run.emit({ type: "host-start", play: play.name, host: host.name });
  let outcome: HostOutcome;
  try {
    const session = await run.sessions.get(host);
    const ctx = hostPlayContext(project, index, host, session, run);
    const probedBefore = await run.nextPlay.take(host.name, index);
    outcome = await runHostPlay({
      ...ctx,
      ...(probedBefore ? { probedBefore } : {}),
      earlier: run.earlier.forPlay(host, session.conn, session.facts, play, ctx.playTasks),
    });
    if (outcome === "ok") probeNextPlays(project, index, host, session, run);
  } catch (error: unknown) {
    if (error instanceof ConnectStopped) {
      run.emit({ type: "host-interrupted", play: play.name, host: host.name });
      outcome = "interrupted";
    } else if (error instanceof HostBusy) {
      run.emit({ type: "host-failed", play: play.name, host: host.name, message: error.message });
      outcome = "failed";
    } else {
      if (!(error instanceof ConnectionError)) throw error;
      run.emit({ type: "host-unreachable", play: play.name, host: host.name, message: error.message, hint: error.hint });
      outcome = "unreachable";
    }
  }
  if (outcome === "failed") run.failed.add(host.name);
  if (outcome === "unreachable") run.unreachable.add(host.name);
  run.emit({ type: "host-end", play: play.name, host: host.name, status: outcome });
  return outcome;
}

function hostPlayContext(project: Project, index: number, host: Host, session: Session, run: PlayRun): HostPlayContext {
  let registered = run.registered.get(host.name);
  if (!registered) run.registered.set(host.name, (registered = {}));
  return {
    project,
    play: project.playbook.plays[index]!,
    playTasks: playTasksOf(project, index, run),
    host,
    conn: session.conn,
    facts: session.facts,
    mode: run.options.mode,
    tags: run.options.tags,
    forceHandlers: run.options.forceHandlers,
    stop: run.options.stop,
    emit: run.emit,
    evaluator: run.deps.evaluator,
    memo: run.memo,
    registered,
    secrets: project.secrets,
    regatherFacts: () => run.sessions.regatherFacts(host),
    connectionOf: async (other) => (await run.sessions.get(other)).conn,
    touched: () => run.nextPlay.touched(),
  };
}

/** The host's later plays get their first probes now, while the other hosts finish this one. */
function probeNextPlays(project: Project, index: number, host: Host, session: Session, run: PlayRun): void {
  if (!run.nextPlay.open || run.options.stop?.aborted) return;
  const plays = project.playbook.plays;
  for (let next = index + 1; next < plays.length; next++) {
    if (!run.deps.matchHosts(plays[next]!.hosts).includes(host.name)) continue;
    run.nextPlay.send(host.name, next, () => probeFirst(hostPlayContext(project, next, host, session, run)));
  }
}

/** `serial: 2` or `serial: "30%"` into batches; no serial = one batch. */
export function serialBatches<T>(hosts: T[], serial: number | string | undefined): T[][] {
  if (serial === undefined || hosts.length === 0) return [hosts];
  let size = typeof serial === "number" ? serial : Math.floor((hosts.length * Number.parseFloat(serial)) / 100);
  size = Math.max(1, Math.min(hosts.length, size));
  const batches: T[][] = [];
  for (let i = 0; i < hosts.length; i += size) batches.push(hosts.slice(i, i + size));
  return batches;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

function emptyRecap(): HostRecap {
  return { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, ignored: 0 };
}

function count(recap: Record<string, HostRecap>, tasks: Record<string, number>, event: RunEvent): void {
  if (event.type === "task") {
    const r = (recap[event.host] ??= emptyRecap());
    if (event.status === "unreachable") return; // counted once per host below
    if (event.ignored) r.ignored++;
    else r[event.status]++;
    tasks[event.host] = (tasks[event.host] ?? 0) + 1;
  } else if (event.type === "host-unreachable") {
    (recap[event.host] ??= emptyRecap()).unreachable = 1;
  } else if (event.type === "host-failed") {
    (recap[event.host] ??= emptyRecap()).failed = 1;
  }
}
