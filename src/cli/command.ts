// What every `deploy <command>` provides. Commands do argument parsing and wiring only.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { didYouMean } from "../config/suggest.js";

export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
  /** True when stdout is an interactive terminal (and CI is not set). */
  isTTY: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  /** Full usage text for `deploy <command> --help`. */
  usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** Exit statuses, documented in README.md. */
export const EXIT = {
  ok: 0,
  /** Bad usage or configuration: nothing ran. */
  invalid: 1,
  /** At least one task failed. */
  failed: 2,
  /** At least one host was unreachable. Failed and unreachable together: 6. */
  unreachable: 4,
  interrupted: 130,
} as const;

/** A usage mistake on the command line: printed as `deploy: message` with exit 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A command's options and positionals; a mistake (unknown option, missing value) is a UsageError. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    // Node's text for an unknown option explains `--` for positionals; a typo wants the right name instead.
    const unknown = /^Unknown option '(-[^']*)'/.exec(message)?.[1];
    if (unknown === undefined) throw new UsageError(message, { cause: error });
    const names = Object.keys(options).map((name) => `--${name}`);
    // Ansible's longer spellings (`--extra-vars`) start with ours (`--extra`).
    const prefix = names.find((name) => unknown.startsWith(`${name}-`));
    const hint = prefix ? `, did you mean \`${prefix}\`?` : unknown.startsWith("--") ? didYouMean(unknown, names) : "";
    throw new UsageError(`unknown option ${unknown}${hint}`, { cause: error });
  }
}
