import { describe, expect, it } from "vitest";
import { parseParams } from "../../../src/engine/module-step.js";
import { fileModule } from "../../../src/modules/file.js";
import { modeNumberMessage } from "../../../src/modules/lib/param-origin.js";
import { projectProblems } from "../config/temp-project.js";

describe("a number given as a file mode", () => {
  it("written in YAML: the hint is about quoting it", async () => {
    expect(await projectProblems({ "playbooks/site.yaml": "- hosts: web\n  tasks:\n    - file: { path: /x, mode: 644 }\n" })).toEqual([
      'playbooks/site.yaml:3:31: [0].tasks[0].file.mode: mode must be a quoted string such as "0644" (unquoted, YAML reads 644 as a decimal number)',
    ]);
  });

  it("given by an expression (checked when it renders): says so, and what the number would mean", () => {
    const run = (mode: number) => () => parseParams(fileModule, { path: "/x", state: "touch", mode });
    // `mode: "{{ 420 }}"`, or a mode computed as a number: 420 is 0o644.
    expect(run(420)).toThrow(
      'file: mode: mode must be a string such as "0644", but the expression gave the number 420: if 420 is meant as decimal, it is the mode "0644" ' +
        '(`.toString(8)` in the expression gives "644"); if it comes from a var or a loop item written unquoted, YAML read 0420 as the decimal number 420: quote it there ("0420")',
    );
    // `mode: "{{ file_mode }}"` with `file_mode: 0644` in a vars file.
    expect(run(644)).toThrow(
      'file: mode: mode must be a string such as "0644", but the expression gave the number 644: if it comes from a var or a loop item written unquoted, YAML read 0644 as the decimal number 644: quote it there ("0644")',
    );
    expect(run(493)).toThrow('the expression gave the number 493: if 493 is meant as decimal, it is the mode "0755" (`.toString(8)` in the expression gives "755")');
    expect(modeNumberMessage(4.5, "expression")).toBe('mode must be a string such as "0644", but the expression gave the number 4.5');
  });
});
