// Ctrl-C during a run. Killing the process at once would leave hosts half-changed: a config written whose
// handler never restarts the service (nothing is left to record it on the host for the next run, see
// engine/pending-handlers.ts), an apt or dpkg run cut off from its output. So the first Ctrl-C (or SIGTERM)
// only asks the engine to stop starting tasks and the owed handlers are recorded; the second one exits at
// once, for a task that hangs.
import { writeSync } from "node:fs";
import { EXIT, type CliIO } from "./command.js";

export interface Interrupts {
  /** Aborted at the first Ctrl-C or SIGTERM. */
  signal: AbortSignal;
  /** Gives the signals back to their default (exit) once the run is over. */
  release(): void;
}

export function catchInterrupts(io: CliIO): Interrupts {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    const key = name === "SIGINT" ? "Ctrl-C" : name;
    if (!controller.signal.aborted) {
      io.err(`deploy: ${key}: stopping. No new task starts; the running ones finish, then the handlers they notified. ${key} again stops at once.`);
      controller.abort();
      return;
    }
    // Straight to the file descriptors: the listr2 view holds back what goes through process.stdout and
    // process.stderr until it ends (which it will not now), and it hid the cursor.
    if (io.isTTY) writeSync(1, "\x1b[?25h\n");
    writeSync(2, "deploy: stopped at once. A command that was running goes on on its host until it ends; `deploy plan` shows where each host stands.\n");
    process.exit(EXIT.interrupted);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    release: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
