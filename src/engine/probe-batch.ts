// Many probes, one round trip: the lookups of all probes run first, merged per kind (lookup-batch.ts),
// then each probe's own script in its own subshell. All output is framed by markers carrying a
// per-batch random nonce, so no probe output can forge a frame.
import { randomBytes } from "node:crypto";
import type { Probe } from "../modules/lib/lookup.js";
import type { ProbeOutput } from "../modules/types.js";
import { raw, type Script } from "../util/shell.js";
import { buildLookupBatch } from "./lookup-batch.js";

export interface ProbeBatch {
  script: Script;
  parse(stdout: string): ProbeOutput[];
}

export function buildProbeBatch(probes: Probe[]): ProbeBatch {
  const nonce = randomBytes(8).toString("hex");
  const begin = (i: number) => `@@deploy-${nonce}-begin-${i}@@`;
  const endPrefix = (i: number) => `@@deploy-${nonce}-end-${i}@@`;
  const lookups = buildLookupBatch(
    probes.flatMap((p) => p.lookups ?? []),
    `@@deploy-${nonce}-lookup-`,
  );
  const parts = probes.flatMap((probe, i) =>
    probe.script
      ? [`printf '%s\\n' '${begin(i)}'\n( ${probe.script.text}\n) </dev/null 2>&1\nprintf '\\n%s%s\\n' '${endPrefix(i)}' "$?"`]
      : [],
  );
  return {
    script: raw([lookups.script, ...parts].filter(Boolean).join("\n")),
    parse(stdout: string): ProbeOutput[] {
      const looked = lookups.parse(stdout);
      return probes.map((probe, i) => {
        let exitCode: number | null = looked.ran ? 0 : null;
        let output = "";
        if (probe.script) {
          const start = stdout.indexOf(begin(i) + "\n");
          const end = stdout.indexOf("\n" + endPrefix(i));
          if (start < 0 || end < 0 || end < start) return { exitCode: null, output: "" };
          output = stdout.slice(start + begin(i).length + 1, end);
          const codeText = stdout.slice(end + 1 + endPrefix(i).length).match(/^(\d+)/)?.[1];
          exitCode = codeText === undefined ? null : Number(codeText);
        }
        const answers = (probe.lookups ?? []).map((l) => looked.answer(l)).filter((a) => a !== "");
        const separator = output === "" || output.endsWith("\n") || answers.length === 0 ? "" : "\n";
        return { exitCode, output: output + separator + answers.join("\n") };
      });
    },
  };
}
