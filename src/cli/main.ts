// Entry point: picks the command, maps every known error to a one-line message and an exit status.
import { readFileSync } from "node:fs";
import { ConfigError, formatProblem } from "../config/problems.js";
import { ConnectionError } from "../connection/types.js";
import { EXIT, UsageError, type CliIO, type Command } from "./command.js";
import { commands } from "./commands/index.js";
import { didYouMean } from "../config/suggest.js";

/** Set by the build (scripts/build.mjs); from source (the tests), package.json is read. */
declare const DEPLOY_VERSION: string | undefined;

function version(): string {
  if (typeof DEPLOY_VERSION === "string") return DEPLOY_VERSION;
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "deploy: agentless configuration management over SSH",
    "",
    "Usage: deploy <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `deploy <command> --help` for a command's options.",
    "Exit status: 0 ok, 1 invalid usage or configuration (nothing ran), 2 a task failed,",
    "4 a host was unreachable, 6 both, 130 interrupted.",
  ].join("\n");
}

/**
 * Writes lines to a stream until its reader goes away (`deploy apply ... | head`): the rest of the output is
 * dropped and the run goes on to its end, as a run must not stop halfway through a host because nobody
 * reads. Any other write error is thrown as before.
 */
export function lineWriter(stream: NodeJS.WritableStream): (line: string) => void {
  let readerGone = false;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    readerGone = true;
  });
  return (line) => {
    if (!readerGone) stream.write(line + "\n");
  };
}

/** Other tools' words for deploy's commands (pyinfra's `deploy`, Salt's and Chef's `run`, ...). */
const OTHER_WORDS: Record<string, string> = { run: "apply", playbook: "apply", play: "apply", deploy: "apply", converge: "apply", check: "plan", diff: "plan", "dry-run": "plan", lint: "validate", "syntax-check": "validate" };

/** Why a word is not a command: a file where the command goes, another tool's word, or a typo. */
function unknownCommandHint(name: string): string {
  // `deploy site.yml` is ansible-playbook's `ansible-playbook site.yml`: a file where the command goes.
  if (/\.ya?ml$/.test(name)) return ": the command comes first: `deploy apply <inventory> [playbook]` (`deploy plan` for a dry run)";
  const ours = OTHER_WORDS[name];
  if (ours !== undefined) return `: deploy's is \`deploy ${ours}\``;
  return didYouMean(name, commands.map((c) => c.name));
}

export function defaultIO(): CliIO {
  return {
    out: lineWriter(process.stdout),
    err: lineWriter(process.stderr),
    isTTY: Boolean(process.stdout.isTTY) && !process.env["CI"],
    columns: process.stdout.columns ?? 0,
    cwd: process.cwd(),
    env: process.env,
  };
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(help());
    return name === undefined ? EXIT.invalid : EXIT.ok;
  }
  if (name === "--version" || name === "-V") {
    io.out(version());
    return EXIT.ok;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    const hint = unknownCommandHint(name);
    io.err(`deploy: unknown command '${name}'${hint}${hint.endsWith("?") ? "" : "."} Run 'deploy --help' for the list.`);
    return EXIT.invalid;
  }
  const command = await entry.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.usage);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error: unknown) {
    return reportError(error, io, command);
  }
}

function reportError(error: unknown, io: CliIO, command: Command): number {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) io.err(formatProblem(problem, io.cwd));
    io.err(`deploy: ${error.message}; nothing was run`);
    return EXIT.invalid;
  }
  if (error instanceof UsageError) {
    io.err(`deploy ${command.name}: ${error.message}`);
    io.err(`Run 'deploy ${command.name} --help' for usage.`);
    return EXIT.invalid;
  }
  if (error instanceof ConnectionError) {
    io.err(`${error.hostName}: ${error.message}`);
    if (error.hint) io.err(error.hint);
    return EXIT.unreachable;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`deploy ${command.name}: ${message}`);
  if (io.env["DEPLOY_DEBUG"] && error instanceof Error && error.stack) io.err(error.stack);
  return EXIT.invalid;
}
