// What `command` and `shell` share: guard parameters, the guard probe, the run and its registered result.
// The two modules differ only in how `cmd` becomes a script (argv words vs `sh -c`).
import { z } from "zod";
import { quote, raw, sh, type Script } from "../../util/shell.js";
import { globWord, isGlob } from "./glob.js";
import type { ApplyContext, ApplyResult, Plan, ProbeOutput, TaskContext } from "../types.js";
import { hasFact, parseProbe } from "../lib/probe.js";
import { tail } from "../lib/tail.js";
import { holdsSecret } from "../../connection/remote-command.js";
import { oneLine, redact } from "./redact.js";

const path = z.string().min(1).regex(/^[^\n]*$/, "must be one line");

/** Fields both modules accept, besides the command itself. */
export const guardFields = {
  chdir: path.optional().describe("Directory to run in (and to resolve relative creates/removes from)."),
  creates: path
    .optional()
    .describe("Skip when this path exists (the command creates it). A glob pattern (*, ?, [...]) skips when any path matches it."),
  removes: path
    .optional()
    .describe("Skip when this path does NOT exist (the command removes it). A glob pattern (*, ?, [...]) runs when any path matches it."),
  unless: z
    .string()
    .min(1)
    .optional()
    .describe("A shell command run during the check; when it succeeds (exit 0) the task is skipped."),
  stdin: z.string().optional().describe("Text given to the command on its standard input."),
  timeout: z.number().positive().optional().describe("Seconds after which the command is killed and the task fails."),
};

export interface GuardParams {
  chdir?: string;
  creates?: string;
  removes?: string;
  unless?: string;
  timeout?: number;
}

/** Seconds an `unless` check may take: it runs inside the batched probe, which must not hang. */
const UNLESS_TIMEOUT = 60;

/**
 * `<runner><shell> -c CMD`, where runner is e.g. `exec ` or `timeout 60 `. A CMD holding a secret is not
 * passed as an argument: every user of the host can read every process's arguments (ps). It travels in the
 * environment instead, which only the process's own user and root can read, and the shell unsets it before
 * running it so the command's children do not inherit it. Needs a POSIX shell (sh, bash, dash, zsh).
 */
export function shellCall(runner: Script, shell: string, cmd: string, secrets: ReadonlySet<string>): Script {
  if (!holdsSecret(cmd, secrets)) return sh`${runner}${shell} -c ${cmd}`;
  return sh`deploy_cmd=${cmd} ${runner}${shell} -c ${'c=$deploy_cmd; unset deploy_cmd; eval "$c"'}`;
}

function hasGuards(params: GuardParams): boolean {
  return params.creates !== undefined || params.removes !== undefined || params.unless !== undefined;
}

/**
 * `yes` when `path` exists, else `no` (either may be empty). A glob pattern exists when any path matches
 * it: the shell expands it (literal parts quoted by globWord) and each match is tested, since a pattern
 * that matches nothing stays as written.
 */
function exists(path: string, yes: string, no: string): Script {
  const say = (line: string) => (line === "" ? ":" : sh`echo ${line}`.text);
  if (!isGlob(path)) return raw(`if [ -e ${quote(path)} ]; then ${say(yes)}; else ${say(no)}; fi`);
  return raw(`m=; set -- ${globWord(path)}; for f do if [ -e "$f" ]; then m=1; break; fi; done; if [ -n "$m" ]; then ${say(yes)}; else ${say(no)}; fi`);
}

/** The guards as one read-only script; undefined when the task has none (it then always runs). */
export function guardProbe(params: GuardParams, secrets: ReadonlySet<string>): Script | undefined {
  if (!hasGuards(params)) return undefined;
  const lines: Script[] = [];
  if (params.chdir !== undefined) lines.push(sh`cd -- ${params.chdir} 2>/dev/null || { echo '#deploy:no-chdir'; exit 0; }`);
  if (params.creates !== undefined) lines.push(exists(params.creates, "#deploy:creates-exists", ""));
  if (params.removes !== undefined) lines.push(exists(params.removes, "", "#deploy:removes-missing"));
  if (params.unless !== undefined) {
    // Its output is discarded so nothing it prints can pass for a probe line.
    const seconds = Math.ceil(Math.min(params.timeout ?? UNLESS_TIMEOUT, UNLESS_TIMEOUT));
    const check = shellCall(sh`timeout ${seconds} `, "sh", params.unless, secrets);
    lines.push(sh`if ${check} </dev/null >/dev/null 2>&1; then echo '#deploy:unless-ok'; fi`);
  }
  return raw(lines.map(String).join("\n"));
}

/** Pure: skip (ok) when a guard says so, else the change "run: <cmd>". */
export function decideGuarded(params: GuardParams, display: string, observed: ProbeOutput | undefined, ctx: TaskContext): Plan {
  const run: Plan = { kind: "change", summary: `run: ${oneLine(redact(display, ctx.secrets))}` };
  if (!hasGuards(params)) return run;
  const report = parseProbe(observed?.output ?? "");
  if (hasFact(report, "no-chdir")) return { kind: "blocked", reason: `directory ${params.chdir ?? ""} does not exist` };
  const creates = params.creates ?? "";
  const removes = params.removes ?? "";
  if (hasFact(report, "creates-exists")) return { kind: "ok", summary: isGlob(creates) ? `a path matches ${creates}` : `${creates} exists` };
  if (hasFact(report, "removes-missing")) return { kind: "ok", summary: isGlob(removes) ? `no path matches ${removes}` : `${removes} does not exist` };
  if (hasFact(report, "unless-ok")) return { kind: "ok", summary: "unless command succeeded" };
  return run;
}

/** `cd` first when asked; stdin from /dev/null unless given, so a command waiting for input cannot hang the run. */
export function wrapRun(body: Script, params: { chdir?: string; stdin?: string }): Script {
  const cd = params.chdir !== undefined ? sh`cd -- ${params.chdir} && ` : raw("");
  const input = params.stdin === undefined ? raw(" </dev/null") : raw("");
  return raw(`${cd.text}${body.text}${input.text}`);
}

function lines(text: string): string[] {
  return text === "" ? [] : text.split("\n");
}

/** Run the command; its rc/stdout/stderr become the registered result (trailing newlines trimmed, as Ansible). */
export async function runCommand(
  script: Script,
  params: { stdin?: string; timeout?: number },
  cmd: string | string[],
  ctx: ApplyContext,
): Promise<ApplyResult> {
  const started = Date.now();
  const result = await ctx.run(script, {
    ...(params.stdin !== undefined ? { stdin: params.stdin } : {}),
    ...(params.timeout !== undefined ? { timeoutMs: params.timeout * 1000 } : {}),
  });
  const stdout = result.stdout.replace(/[\r\n]+$/, "");
  const stderr = result.stderr.replace(/[\r\n]+$/, "");
  const rc = result.exitCode ?? -1;
  const registered = {
    rc,
    stdout,
    stderr,
    stdout_lines: lines(stdout),
    stderr_lines: lines(stderr),
    cmd,
    delta_ms: Date.now() - started,
  };
  if (result.timedOut) {
    return { changed: true, failed: `timed out after ${params.timeout ?? "?"}s`, result: { ...registered, timed_out: true } };
  }
  if (rc !== 0) {
    const why = tail(redact(stderr || stdout, ctx.secrets), 4);
    const how = result.exitCode === null ? `killed by ${result.signal ?? "a signal"}` : `rc=${rc}`;
    return { changed: true, failed: why ? `${how}: ${why}` : how, result: registered };
  }
  return { changed: true, result: registered };
}
