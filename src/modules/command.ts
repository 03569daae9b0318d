// `command`: run a program with arguments, no shell in between. `cmd` is split into words like a shell
// would split quotes, but nothing is expanded ($VAR, globs, pipes, `;` are plain characters); `argv` gives
// the words directly. Guards (creates/removes/unless) are checked by the probe; without them it always runs.
import { z } from "zod";
import { sh } from "../util/shell.js";
import type { Module } from "./types.js";
import { inlineArgsMessage } from "./lib/inline-args.js";
import { scriptProbe } from "./lib/lookup.js";
import { decideGuarded, guardFields, guardProbe, runCommand, wrapRun } from "./system/exec.js";
import { splitCommand, SplitError } from "./system/shlex.js";

export const commandSchema = z
  .strictObject({
    cmd: z.string().min(1).optional().describe("Program and arguments as one line; quotes group words, nothing is expanded."),
    argv: z.array(z.string()).min(1).optional().describe("Program and arguments as a list (instead of cmd)."),
    ...guardFields,
  })
  .superRefine((p, issue) => {
    if ((p.cmd === undefined) === (p.argv === undefined)) {
      issue.addIssue({ code: "custom", message: "give exactly one of cmd and argv" });
      return;
    }
    if (p.cmd !== undefined) {
      try {
        if (splitCommand(p.cmd).length === 0) issue.addIssue({ code: "custom", path: ["cmd"], message: "is empty" });
      } catch (error: unknown) {
        if (!(error instanceof SplitError)) throw error;
        issue.addIssue({ code: "custom", path: ["cmd"], message: error.message });
      }
      // At the parameters, not at cmd: a cmd holding `{{ }}` is otherwise left for run time.
      const inline = inlineArgsMessage(p.cmd, "command");
      if (inline) issue.addIssue({ code: "custom", path: [], message: inline });
    }
  })
  .describe("Run a program (no shell: no pipes, redirections or variable expansion).");

export type CommandParams = z.infer<typeof commandSchema>;

export function commandArgv(params: CommandParams): string[] {
  return params.argv ?? splitCommand(params.cmd ?? "");
}

export const commandModule: Module<CommandParams, undefined> = {
  name: "command",
  description: "Run a program with arguments (no shell); creates/removes/unless make it idempotent.",
  schema: commandSchema,
  alwaysRuns: true,

  probe(params, _prepared, ctx) {
    const script = guardProbe(params, ctx.secrets);
    return script && scriptProbe(script);
  },

  decide(params, _prepared, observed, ctx) {
    return decideGuarded(params, params.cmd ?? commandArgv(params).join(" "), observed, ctx);
  },

  apply(params, _prepared, _change, ctx) {
    const argv = commandArgv(params);
    return runCommand(wrapRun(sh`exec ${argv}`, params), params, argv, ctx);
  },
};
