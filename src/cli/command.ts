// What every `deploy <command>` provides. Commands do argument parsing and wiring only.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { didYouMean } from "../config/suggest.js";
import { ANSIBLE_SPELLINGS, ansibleOptionHint } from "./ansible-habits.js";

export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
  /** True when stdout is an interactive terminal (and CI is not set). */
  isTTY: boolean;
  /** The terminal's width; 0 when it does not say (some CI terminals, `script`): no live view then. */
  columns?: number;
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
  /** At least one task failed, or another deploy was applying to a host (its lock was held). */
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
  let parsed;
  try {
    parsed = parseArgs({ args: deploySpellings(args, options), options, allowPositionals: true, strict: true, tokens: true });
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    // Node's text for an unknown option explains `--` for positionals; a typo wants the right name instead.
    const unknown = /^Unknown option '(-[^']*)'/.exec(message)?.[1];
    if (unknown === undefined) throw new UsageError(message, { cause: error });
    const ansible = ansibleOptionHint(unknown);
    if (ansible) throw new UsageError(`unknown option ${ansible}`, { cause: error });
    const names = Object.keys(options).map((name) => `--${name}`);
    // A longer spelling that starts with ours (`--limit-hosts`).
    const prefix = names.find((name) => unknown.startsWith(`${name}-`));
    const hint = prefix ? `, did you mean \`${prefix}\`?` : unknown.startsWith("--") ? didYouMean(unknown, names) : "";
    throw new UsageError(`unknown option ${unknown}${hint}`, { cause: error });
  }
  refuseRepeated(parsed.tokens, options);
  const { tokens: _tokens, ...rest } = parsed;
  return rest;
}

/** `--extra-vars x` -> `--extra x` where the command has `--extra`; nothing after `--` (positionals). */
function deploySpellings(args: readonly string[], options: NonNullable<ParseArgsConfig["options"]>): string[] {
  const end = args.indexOf("--");
  return args.map((arg, i) => {
    if (end !== -1 && i > end) return arg;
    const [name = arg, value] = arg.split(/=(.*)/s);
    const ours = Object.hasOwn(ANSIBLE_SPELLINGS, name) ? ANSIBLE_SPELLINGS[name] : undefined;
    if (ours === undefined || !Object.hasOwn(options, ours.slice(2))) return arg;
    return value === undefined ? ours : `${ours}=${value}`;
  });
}

/**
 * An option that takes one value, given twice: Node keeps the last one silently, so `--limit web-01
 * --limit web-02` would run on web-02 alone, whatever the user meant by two.
 */
function refuseRepeated(tokens: ReturnType<typeof parseArgs>["tokens"], options: NonNullable<ParseArgsConfig["options"]>): void {
  const seen = new Map<string, string>();
  for (const token of tokens ?? []) {
    if (token.kind !== "option" || options[token.name]?.multiple || token.value === undefined) continue;
    const before = seen.get(token.name);
    if (before === undefined) {
      seen.set(token.name, token.value);
      continue;
    }
    const both = token.name === "limit" ? `: '${before},${token.value}' for hosts of either, '${before}:&${token.value}' for hosts of both` : "";
    throw new UsageError(`--${token.name} given twice ('${before}' and '${token.value}'); give it once${both}`);
  }
}
