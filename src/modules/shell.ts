// `shell`: run a command line through a shell (`sh -c`, or `executable`), with pipes, redirections and
// expansion. Guards (creates/removes/unless) are checked by the probe; without them it always runs.
import { z } from "zod";
import { sh } from "../util/shell.js";
import type { Module } from "./types.js";
import { scriptProbe } from "./lib/lookup.js";
import { decideGuarded, guardFields, guardProbe, runCommand, wrapRun } from "./system/exec.js";

export const shellSchema = z
  .strictObject({
    cmd: z.string().min(1).describe("Shell command line (pipes, redirections, $VARS work)."),
    executable: z
      .string()
      .regex(/^\/[^\s]*$/, "must be an absolute path")
      .default("/bin/sh")
      .describe("Shell that runs cmd (called as `<executable> -c cmd`), e.g. /bin/bash."),
    ...guardFields,
  })
  .describe("Run a command line through a shell.");

export type ShellParams = z.infer<typeof shellSchema>;

export const shellModule: Module<ShellParams, undefined> = {
  name: "shell",
  description: "Run a command line through a shell; creates/removes/unless make it idempotent.",
  schema: shellSchema,
  alwaysRuns: true,

  probe(params) {
    const script = guardProbe(params);
    return script && scriptProbe(script);
  },

  decide(params, _prepared, observed, ctx) {
    return decideGuarded(params, params.cmd, observed, ctx);
  },

  apply(params, _prepared, _change, ctx) {
    return runCommand(wrapRun(sh`exec ${params.executable} -c ${params.cmd}`, params), params, params.cmd, ctx);
  },
};
