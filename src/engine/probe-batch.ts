// Many probes, one round trip: each probe runs in its own subshell and its output is framed by markers
// carrying a per-batch random nonce, so no probe output can forge a frame.
import { randomBytes } from "node:crypto";
import type { ProbeOutput } from "../modules/types.js";
import { raw, type Script } from "../util/shell.js";

export interface ProbeBatch {
  script: Script;
  parse(stdout: string): ProbeOutput[];
}

export function buildProbeBatch(probes: Script[]): ProbeBatch {
  const nonce = randomBytes(8).toString("hex");
  const begin = (i: number) => `@@deploy-${nonce}-begin-${i}@@`;
  const endPrefix = (i: number) => `@@deploy-${nonce}-end-${i}@@`;
  const parts = probes.map(
    (probe, i) =>
      `printf '%s\\n' '${begin(i)}'\n( ${probe.text}\n) </dev/null 2>&1\nprintf '\\n%s%s\\n' '${endPrefix(i)}' "$?"`,
  );
  return {
    script: raw(parts.join("\n")),
    parse(stdout: string): ProbeOutput[] {
      return probes.map((_, i) => {
        const start = stdout.indexOf(begin(i) + "\n");
        const end = stdout.indexOf("\n" + endPrefix(i));
        if (start < 0 || end < 0 || end < start) return { exitCode: null, output: "" };
        const output = stdout.slice(start + begin(i).length + 1, end);
        const codeText = stdout.slice(end + 1 + endPrefix(i).length).match(/^(\d+)/)?.[1];
        return { exitCode: codeText === undefined ? null : Number(codeText), output };
      });
    },
  };
}
