// The live view on a terminal: one listr2 line per host while a play runs, then the changes, diffs and
// failures of that play as plain lines, then the recap. Used only on a TTY without --verbose.
import { Listr } from "listr2";
import type { HostStatus, RunEvent } from "../engine/events.js";
import { LinesRenderer } from "./lines.js";
import type { Renderer, RenderOptions } from "./renderer.js";

/** The listr2 task of one host, driven by engine events. */
class HostView {
  private wrapper: { title: string } | undefined;
  private title: string;
  private task = "";
  private ended = false;
  private readonly counts = { ok: 0, changed: 0, failed: 0, skipped: 0 };
  private settle!: (error?: Error) => void;
  readonly done: Promise<void>;

  constructor(readonly name: string) {
    this.title = name;
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
  }

  attach(wrapper: { title: string }): Promise<void> {
    this.wrapper = wrapper;
    this.wrapper.title = this.title;
    return this.done;
  }

  startTask(name: string): void {
    this.task = name;
    this.setTitle(name);
  }

  /** Ctrl-C: say right away what this host still finishes (the message on stderr shows only after the view). */
  stopping(): void {
    if (!this.ended) this.setTitle(this.task ? `finishing '${this.task}', then stopping` : "stopping");
  }

  setTitle(text: string): void {
    this.title = `${this.name}: ${text}`;
    if (this.wrapper) this.wrapper.title = this.title;
  }

  count(status: string): void {
    if (status in this.counts) this.counts[status as keyof typeof this.counts]++;
  }

  end(status: HostStatus, word: string, message?: string): void {
    const c = this.counts;
    this.ended = true;
    this.setTitle(`ok=${c.ok} ${word}=${c.changed} failed=${c.failed} skipped=${c.skipped}`);
    if (status === "ok") this.settle();
    else this.settle(new Error(`${this.name}: ${message ?? status}`));
  }
}

export class TtyRenderer implements Renderer {
  private chain: Promise<void> = Promise.resolve();
  private views = new Map<string, HostView>();
  private pending: string[] = [];
  private readonly details: LinesRenderer;
  private mode: "plan" | "apply" = "apply";
  /** Why a host stopped before its tasks (unreachable, or another deploy applying to it). */
  private unreachable = new Map<string, string>();

  constructor(
    private readonly options: RenderOptions,
    hostNames: string[],
  ) {
    this.details = new LinesRenderer({ ...options, write: (text) => this.pending.push(text) }, hostNames);
  }

  private flush(): void {
    if (this.pending.length) this.options.write(this.pending.join(""));
    this.pending = [];
  }

  handle(event: RunEvent): void {
    switch (event.type) {
      case "run-start":
        this.mode = event.mode;
        this.details.handle(event);
        break;
      case "play-start": {
        const views = event.hosts.map((h) => new HostView(h));
        this.views = new Map(views.map((v) => [v.name, v]));
        const batch = event.batch ? ` (batch ${event.batch.index}/${event.batch.count})` : "";
        const list = new Listr(
          views.map((view) => ({ title: view.name, task: (_ctx, wrapper) => view.attach(wrapper) })),
          { concurrent: true, exitOnError: false, collectErrors: false, registerSignalListeners: false, renderer: "default", rendererOptions: { collapseErrors: false } },
        );
        this.chain = this.chain.then(async () => {
          this.flush();
          this.options.write(`PLAY ${event.play}${batch}\n`);
          await list.run().catch(() => undefined);
          this.flush();
        });
        break;
      }
      case "task-start":
        this.views.get(event.host)?.startTask(event.task.name);
        break;
      case "stopping":
        for (const view of this.views.values()) view.stopping();
        break;
      case "task":
        this.views.get(event.host)?.count(event.status);
        if (event.status !== "ok" && event.status !== "skipped") this.details.handle(event);
        break;
      case "host-unreachable":
      case "host-failed":
        this.unreachable.set(event.host, event.message);
        this.details.handle(event);
        break;
      case "host-end":
        this.views.get(event.host)?.end(event.status, this.mode === "plan" ? "change" : "changed", this.unreachable.get(event.host));
        break;
      case "command":
        break;
      default:
        this.details.handle(event);
    }
  }

  async finish(): Promise<void> {
    await this.chain;
    this.flush();
  }
}
