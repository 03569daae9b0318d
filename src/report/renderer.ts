// Renderers behind one interface: the engine emits events, a renderer turns them into output.
import type { RunEvent } from "../engine/events.js";

export interface Renderer {
  handle(event: RunEvent): void;
  /** Called once after the run; resolves when everything is printed. */
  finish(): Promise<void>;
}

export interface RenderOptions {
  /** Print the commands run on hosts. */
  verbose: boolean;
  /** ANSI colours (a TTY and NO_COLOR unset). */
  color: boolean;
  write: (text: string) => void;
  /** Task locations in failure lines are shown relative to it. */
  cwd?: string;
}
