// `shell`: run a command line through a shell (`sh -c`, or `executable`), with pipes, redirections and
// expansion. Guards (creates/removes/unless) are checked by the probe; without them it always runs.
import { z } from "zod";
import { raw } from "../util/shell.js";
import type { Module } from "./types.js";
import { inlineArgsMessage } from "./lib/inline-args.js";
import { scriptProbe } from "./lib/lookup.js";
import { decideGuarded, guardFields, guardProbe, runCommand, shellCall, wrapRun } from "./system/exec.js";

export const shellSchema = z
  .strictObject({
    cmd: z.string().min(1).describe("Shell command line (pipes, redirections, $VARS work)."),
    executable: z
      .string()
      .regex(/^\/[^\s]*$/, "must be an absolute path")
      .default("/bin/sh")
      .describe("POSIX shell that runs cmd (called as `<executable> -c cmd`), e.g. /bin/bash."),
    ...guardFields,
  })
  .superRefine((p, issue) => {
    // At the parameters, not at cmd: a cmd holding `{{ }}` is otherwise left for run time.
    const inline = inlineArgsMessage(p.cmd, "shell");
    if (inline) issue.addIssue({ code: "custom", path: [], message: inline });
  })
  .describe("Run a command line through a shell.");

export type ShellParams = z.infer<typeof shellSchema>;

export const shellModule: Module<ShellParams, undefined> = {
  name: "shell",
  description: "Run a command line through a shell; creates/removes/unless make it idempotent.",
  schema: shellSchema,
  alwaysRuns: true,

  probe(params, _prepared, ctx) {
    const script = guardProbe(params, ctx.secrets);
    return script && scriptProbe(script);
  },

  decide(params, _prepared, observed, ctx) {
    return decideGuarded(params, params.cmd, observed, ctx);
  },

  apply(params, _prepared, _change, ctx) {
    const call = shellCall(raw("exec "), params.executable, params.cmd, ctx.secrets);
    return runCommand(wrapRun(call, params), params, params.cmd, ctx);
  },
};
