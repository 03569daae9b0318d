// Where a `deploy lab up` (or reset) stands, so a Ctrl-C can say what it leaves behind: hosts keep running
// (their systemd-nspawn is detached), while known_hosts and the check that each host finished booting are
// done at the end. A second `up` finishes both.
export type UpStep = "preparing" | "stopping" | "image" | "starting" | "booting" | "settling" | "done";

export interface UpProgress {
  step: UpStep;
  /** Hosts this run started or restarted. */
  started: string[];
  /** Hosts whose boot this run has seen end (they take logins). */
  settled: string[];
  knownHostsWritten: boolean;
}

export function newProgress(): UpProgress {
  return { step: "preparing", started: [], settled: [], knownHostsWritten: false };
}

const DOING: Record<UpStep, string> = {
  preparing: "before any host was started",
  stopping: "while stopping the hosts to reset",
  image: "while building the base image (a partial build is never used: the next up builds it again)",
  starting: "while starting the hosts",
  booting: "while the hosts were booting",
  settling: "while checking that the hosts finished booting",
  done: "after the hosts were up",
};

/** What an interrupted up leaves, and the commands that finish or undo it (`up`, `down` for this inventory). */
export function interruptedUp(progress: UpProgress, commands: { up: string; down: string }): string[] {
  const lines = [`stopped ${DOING[progress.step]}.`];
  if (progress.step === "done" || progress.step === "preparing") return lines;
  if (progress.started.length === 0) {
    lines.push(progress.step === "stopping" ? `Some hosts may be stopped: \`${commands.up}\` starts them again.` : "No host was started.");
    return lines;
  }
  const unsettled = progress.started.filter((name) => !progress.settled.includes(name));
  const pending = [
    ...(unsettled.length > 0 ? [`not yet seen to finish booting: ${unsettled.join(", ")}`] : []),
    ...(progress.knownHostsWritten ? [] : ["their host keys are not in known_hosts yet"]),
  ];
  const which = progress.step === "starting" ? "Being started (some may run now)" : "Left running";
  lines.push(`${which}: ${progress.started.join(", ")}${pending.length > 0 ? ` (${pending.join("; ")})` : ""}.`);
  lines.push(`\`${commands.up}\` finishes them; \`${commands.down}\` stops them.`);
  return lines;
}
