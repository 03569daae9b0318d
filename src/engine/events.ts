// What the engine tells the outside world. Renderers (tty, lines, json) consume these and nothing else.
import type { Location, TaskStatus } from "../config/model.js";
import type { FileDiff } from "../modules/types.js";

export type RunMode = "plan" | "apply";

export interface TaskRef {
  name: string;
  module: string;
  role?: string;
  location: Location;
  handler: boolean;
}

export interface TaskResultEvent {
  type: "task";
  play: string;
  host: string;
  task: TaskRef;
  status: TaskStatus;
  /** Loop item label when the task runs per item. */
  item?: string;
  /** One human line: what changed / would change, or why it failed or was skipped. */
  summary?: string;
  diffs?: FileDiff[];
  /** Plan mode: the state could not be checked because an earlier task of this host has a pending change. */
  pending?: boolean;
  /** The failure was tolerated by ignore_errors. */
  ignored?: boolean;
  durationMs: number;
}

export type HostStatus = "ok" | "failed" | "unreachable" | "interrupted";

export interface HostRecap {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
  /** Failures tolerated by ignore_errors (not counted in `failed`). */
  ignored: number;
}

export interface RunStats {
  /** Round trips per host (exec calls on its connection). */
  roundTrips: Record<string, number>;
  /** Tasks evaluated per host (loop items counted once per item). */
  tasks: Record<string, number>;
}

export type RunEvent =
  | { type: "run-start"; mode: RunMode; playbook: string; inventory: string }
  | { type: "play-start"; play: string; hosts: string[]; batch?: { index: number; count: number } }
  | { type: "host-start"; play: string; host: string }
  | { type: "task-start"; play: string; host: string; task: TaskRef }
  | TaskResultEvent
  | { type: "host-end"; play: string; host: string; status: HostStatus }
  /** A stop was asked for (Ctrl-C): `next` is the first task this host did not start, `left` how many. */
  | { type: "host-interrupted"; play: string; host: string; next?: string; left?: number }
  | { type: "host-unreachable"; play: string; host: string; message: string; hint?: string }
  /** The host failed before its first task: another deploy is applying to it (its lock is held). */
  | { type: "host-failed"; play: string; host: string; message: string }
  | { type: "command"; host: string; command: string }
  | { type: "warning"; host?: string; message: string }
  /** The run was asked to stop (Ctrl-C): the running tasks finish, nothing else starts. */
  | { type: "stopping" }
  /** `notReached`: hosts of the play's serial batches that never started because the play was aborted. */
  | { type: "play-end"; play: string; aborted?: string; notReached?: string[] }
  | {
      type: "run-end";
      mode: RunMode;
      recap: Record<string, HostRecap>;
      durationMs: number;
      stats: RunStats;
      interrupted: boolean;
      /** Plays never started because the run stopped or a play aborted it. */
      playsNotRun: string[];
    };

export type EventSink = (event: RunEvent) => void;
