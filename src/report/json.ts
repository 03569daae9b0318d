// `--json`: one stable document printed at the end of the run (nothing else goes to stdout).
import type { HostRecap, RunEvent, RunMode } from "../engine/events.js";
import { unifiedDiff } from "./diff.js";
import type { Renderer } from "./renderer.js";

export interface JsonTaskResult {
  play: string;
  host: string;
  task: string;
  module: string;
  role: string | null;
  handler: boolean;
  location: string;
  item: string | null;
  status: string;
  pending: boolean;
  ignored: boolean;
  summary: string | null;
  diff: string | null;
  durationMs: number;
}

export interface JsonCommand {
  host: string;
  command: string;
}

export interface JsonReport {
  version: 1;
  mode: RunMode;
  inventory: string;
  playbook: string;
  durationMs: number;
  tasks: JsonTaskResult[];
  /**
   * With --verbose only (absent without it): every command run on a host, in the order they ran, with
   * secrets redacted as --verbose prints them. A multi-line command is one string.
   */
  commands?: JsonCommand[];
  unreachable: Record<string, string>;
  /** Hosts that failed before their first task, with why (another deploy was applying to the host). */
  hostsFailed: Record<string, string>;
  aborted: string | null;
  /** Ctrl-C stopped the run early. */
  interrupted: boolean;
  /** Per host stopped early: the first task it did not start (null: the host never started) and how many. */
  notRun: Record<string, { next: string | null; left: number | null }>;
  /** Plays never started: the run was stopped, or a play aborted it. */
  playsNotRun: string[];
  /** Per play, the hosts of its serial batches that never started because the play was aborted. */
  hostsNotReached: Record<string, string[]>;
  /** What the run warned about (a host's handlers left behind by a failure...). */
  warnings: Array<{ host: string | null; message: string }>;
  recap: Record<string, HostRecap>;
  stats: {
    roundTrips: Record<string, number>;
    tasks: Record<string, number>;
    /** Round trips divided by tasks evaluated, per host (facts and connection setup included). */
    roundTripsPerTask: Record<string, number>;
  };
}

export class JsonRenderer implements Renderer {
  private readonly tasks: JsonTaskResult[] = [];
  private readonly commands: JsonCommand[] = [];
  private readonly unreachable: Record<string, string> = {};
  private readonly hostsFailed: Record<string, string> = {};
  private aborted: string | null = null;
  private readonly notRun: JsonReport["notRun"] = {};
  private readonly hostsNotReached: JsonReport["hostsNotReached"] = {};
  private readonly warnings: JsonReport["warnings"] = [];
  private header = { mode: "apply" as RunMode, inventory: "", playbook: "" };
  private report: JsonReport | undefined;

  /**
   * `verbose`: the run has --verbose, so the document lists the commands even when none ran. Without it
   * the list appears as soon as a command arrives: the CLI hands command events to a renderer only
   * under --verbose.
   */
  constructor(
    private readonly write: (text: string) => void,
    private readonly options: { verbose?: boolean } = {},
  ) {}

  handle(event: RunEvent): void {
    switch (event.type) {
      case "run-start":
        this.header = { mode: event.mode, inventory: event.inventory, playbook: event.playbook };
        break;
      case "task": {
        const { file, line, col } = event.task.location;
        this.tasks.push({
          play: event.play,
          host: event.host,
          task: event.task.name,
          module: event.task.module,
          role: event.task.role ?? null,
          handler: event.task.handler,
          location: `${file}:${line}:${col}`,
          item: event.item ?? null,
          status: event.status,
          pending: Boolean(event.pending),
          ignored: Boolean(event.ignored),
          summary: event.summary ?? null,
          diff: event.diffs?.length ? event.diffs.map((d) => unifiedDiff(d, { color: false })).join("") : null,
          durationMs: event.durationMs,
        });
        break;
      }
      case "command":
        this.commands.push({ host: event.host, command: event.command });
        break;
      case "host-unreachable":
        this.unreachable[event.host] = event.message;
        break;
      case "host-failed":
        this.hostsFailed[event.host] = event.message;
        break;
      case "warning":
        this.warnings.push({ host: event.host ?? null, message: event.message });
        break;
      case "host-interrupted":
        this.notRun[event.host] = { next: event.next ?? null, left: event.left ?? null };
        break;
      case "play-end":
        if (event.aborted) this.aborted = `${event.play}: ${event.aborted}`;
        if (event.notReached) this.hostsNotReached[event.play] = event.notReached;
        break;
      case "run-end": {
        const perTask: Record<string, number> = {};
        for (const [host, trips] of Object.entries(event.stats.roundTrips)) {
          const tasks = event.stats.tasks[host] ?? 0;
          perTask[host] = tasks ? Math.round((trips / tasks) * 100) / 100 : trips;
        }
        this.report = {
          version: 1,
          ...this.header,
          durationMs: event.durationMs,
          tasks: this.tasks,
          ...(this.options.verbose || this.commands.length > 0 ? { commands: this.commands } : {}),
          unreachable: this.unreachable,
          hostsFailed: this.hostsFailed,
          aborted: this.aborted,
          interrupted: event.interrupted,
          notRun: this.notRun,
          playsNotRun: event.playsNotRun,
          hostsNotReached: this.hostsNotReached,
          warnings: this.warnings,
          recap: event.recap,
          stats: { ...event.stats, roundTripsPerTask: perTask },
        };
        break;
      }
      default:
        break;
    }
  }

  async finish(): Promise<void> {
    if (this.report) this.write(JSON.stringify(this.report, null, 2) + "\n");
  }
}
