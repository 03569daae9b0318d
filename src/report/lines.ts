// Plain lines for CI and pipes: every line names its host, so parallel hosts can interleave safely.
import type { HostRecap, RunEvent, RunMode, TaskResultEvent } from "../engine/events.js";
import { formatLocation } from "../config/problems.js";
import { DIFF_LIMIT, unifiedDiff } from "./diff.js";
import type { Renderer, RenderOptions } from "./renderer.js";
import { paint, seconds, STATUS_COLOUR, statusWord } from "./style.js";

export class LinesRenderer implements Renderer {
  private mode: RunMode = "apply";
  private readonly paint: ReturnType<typeof paint>;
  private readonly width: number;
  /** Hosts whose loss a task's line already told (the host's own event then adds only its hint). */
  private readonly lostInTask = new Set<string>();

  constructor(
    private readonly options: RenderOptions,
    hostNames: string[] = [],
  ) {
    this.paint = paint(options.color);
    this.width = Math.max(4, ...hostNames.map((h) => h.length));
  }

  private line(text: string): void {
    this.options.write(text + "\n");
  }

  handle(event: RunEvent): void {
    switch (event.type) {
      case "run-start":
        this.mode = event.mode;
        break;
      case "play-start": {
        const batch = event.batch ? ` batch ${event.batch.index}/${event.batch.count}` : "";
        this.line(this.paint("bold", `PLAY ${event.play}${batch} [${event.hosts.join(", ") || "no hosts"}]`));
        break;
      }
      case "task":
        this.task(event);
        break;
      case "host-unreachable":
        if (!this.lostInTask.has(event.host)) this.line(`${this.host(event.host)} ${this.paint("magenta", "unreachable")} ${event.message}`);
        if (event.hint) for (const l of event.hint.split("\n")) this.line(`${this.host(event.host)}   ${l}`);
        break;
      case "host-failed":
        this.line(`${this.host(event.host)} ${this.paint("red", "failed".padEnd(11))} ${event.message}`);
        break;
      case "host-interrupted": {
        const count = event.left === 1 ? "1 task" : `${event.left} tasks`;
        const what = event.next === undefined ? "before its first task" : `${count} not run, from '${event.next}'`;
        this.line(`${this.host(event.host)} ${this.paint("yellow", "interrupted")} ${what}`);
        break;
      }
      case "command":
        if (this.options.verbose) this.command(event.host, event.command);
        break;
      case "warning":
        this.line(this.paint("yellow", `${event.host ? this.host(event.host) + " " : ""}warning: ${event.message}`));
        break;
      case "play-end":
        if (event.aborted) this.line(this.paint("red", `PLAY ${event.play} aborted: ${event.aborted}`));
        if (event.notReached) this.line(this.paint("yellow", `NOT RUN: play '${event.play}' on ${event.notReached.join(", ")} (their batches never started)`));
        break;
      case "run-end":
        if (event.playsNotRun.length > 0) this.line(this.paint("yellow", `NOT RUN: ${plural(event.playsNotRun.length, "play")} ${event.playsNotRun.map((p) => `'${p}'`).join(", ")}`));
        this.recap(event.recap, event.durationMs, event.interrupted);
        break;
      default:
        break;
    }
  }

  private host(name: string): string {
    return `[${name}]`.padEnd(this.width + 2);
  }

  /**
   * `$ ` starts a command, `> ` (the shell's own continuation prompt) continues it: a multi-line script (a
   * shell task's `|` block, a probe) reads as ONE command, and every line still names its host.
   */
  private command(host: string, command: string): void {
    const lines = command.replace(/\n$/, "").split("\n");
    lines.forEach((l, i) => this.line(this.paint("gray", `${this.host(host)} ${i === 0 ? "$" : ">"}${l === "" ? "" : ` ${l}`}`)));
  }

  private task(event: TaskResultEvent): void {
    if (event.status === "unreachable") this.lostInTask.add(event.host);
    const word = statusWord(event.status, this.mode, event.pending);
    const status = this.paint(STATUS_COLOUR[event.status], (event.ignored ? "ignored" : word).padEnd(11));
    const role = event.task.role ? `${event.task.role} | ` : "";
    const kind = event.task.handler ? "handler " : "";
    const item = event.item !== undefined ? ` (${event.item})` : "";
    // A validator's message, or a path, may hold newlines: every line names its host.
    const [first = "", ...more] = (event.summary && event.status !== "ok" ? `: ${event.summary}` : "").split("\n");
    const time = this.options.verbose ? this.paint("gray", ` ${seconds(event.durationMs)}`) : "";
    // A failure names the task's place in the files, as a config mistake does.
    const at = event.status === "failed" && !event.ignored ? this.paint("gray", ` (${formatLocation(event.task.location, this.options.cwd)})`) : "";
    this.line(`${this.host(event.host)} ${status} ${kind}${role}${event.task.name}${item}${first}${at}${time}`);
    for (const l of more) this.line(`${this.host(event.host)}   ${l}`);
    for (const diff of event.diffs ?? []) {
      for (const l of unifiedDiff(diff, { color: this.options.color, limit: DIFF_LIMIT }).split("\n")) {
        if (l !== "") this.line(`${this.host(event.host)}   ${l}`);
      }
    }
  }

  private recap(recap: Record<string, HostRecap>, durationMs: number, interrupted: boolean): void {
    this.line(this.paint("bold", `RECAP (${this.mode}${interrupted ? ", interrupted" : ""}, ${seconds(durationMs)})`));
    for (const [host, r] of Object.entries(recap)) {
      const counts = [
        this.paint("green", `ok=${r.ok}`),
        this.paint(r.changed ? "yellow" : "gray", `${this.mode === "plan" ? "change" : "changed"}=${r.changed}`),
        this.paint(r.failed ? "red" : "gray", `failed=${r.failed}`),
        `skipped=${r.skipped}`,
        this.paint(r.unreachable ? "magenta" : "gray", `unreachable=${r.unreachable}`),
        ...(r.ignored ? [`ignored=${r.ignored}`] : []),
      ];
      this.line(`${host.padEnd(this.width)}  ${counts.join(" ")}`);
    }
  }

  async finish(): Promise<void> {}
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${count} ${word}s`;
}
