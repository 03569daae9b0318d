// Option parsing shared by every command: an option that takes one value, given twice, is refused
// (Node's parser keeps the last one silently).
import { describe, expect, it } from "vitest";
import { parseCommandArgs, UsageError } from "../../../src/cli/command.js";

const OPTIONS = {
  limit: { type: "string", short: "l" },
  forks: { type: "string" },
  extra: { type: "string", short: "e", multiple: true },
  verbose: { type: "boolean", short: "v" },
} as const;

describe("parseCommandArgs", () => {
  it("refuses --limit twice, saying how to write either meaning", () => {
    expect(() => parseCommandArgs(["inv.yaml", "--limit", "web-01", "-l", "web-02"], OPTIONS)).toThrow(
      new UsageError("--limit given twice ('web-01' and 'web-02'); give it once: 'web-01,web-02' for hosts of either, 'web-01:&web-02' for hosts of both"),
    );
    expect(() => parseCommandArgs(["--forks=2", "--forks", "3"], OPTIONS)).toThrow("--forks given twice ('2' and '3'); give it once");
  });

  it("keeps repeatable options and repeated flags; returns values and positionals", () => {
    const parsed = parseCommandArgs(["inv.yaml", "-e", "a=1", "-e", "b=2", "-v", "-v", "-l", "web"], OPTIONS);
    expect(parsed.values).toEqual({ extra: ["a=1", "b=2"], verbose: true, limit: "web" });
    expect(parsed.positionals).toEqual(["inv.yaml"]);
  });
});

// ansible-playbook's `--extra-vars` was refused ("did you mean `--extra`?") though `-e` reads the same forms.
describe("--extra-vars", () => {
  it("is -e, in order with -e and --extra, with a value or =value", () => {
    const parsed = parseCommandArgs(["inv.yaml", "-e", "a=1", "--extra-vars", "@vars.yaml", "--extra-vars={\"b\": 2}", "--extra", "c=3"], OPTIONS);
    expect(parsed.values).toEqual({ extra: ["a=1", "@vars.yaml", '{"b": 2}', "c=3"] });
    expect(parsed.positionals).toEqual(["inv.yaml"]);
  });

  it("is left alone after --, and where the command has no -e", () => {
    expect(parseCommandArgs(["--", "--extra-vars"], OPTIONS).positionals).toEqual(["--extra-vars"]);
    expect(() => parseCommandArgs(["inv.yaml", "--extra-vars", "a=1"], { limit: { type: "string" } })).toThrow(new UsageError("unknown option --extra-vars"));
  });

  it("reaches the vars as the next -e", async () => {
    const { main } = await import("../../../src/cli/main.js");
    const { tempProject } = await import("../config/temp-project.js");
    const dir = tempProject({
      "inventory/i.yaml": "hosts:\n  web-01: { address: 10.0.0.11 }\n",
      "playbooks/site.yaml": '- hosts: all\n  tasks:\n    - command: "echo {{ greeting }}"\n',
    });
    const run = async (args: string[]) => {
      const err: string[] = [];
      const code = await main(["validate", "inventory/i.yaml", ...args], { out: () => undefined, err: (l) => err.push(l), isTTY: false, cwd: dir, env: {} });
      return { code, err };
    };
    expect(await run(["--extra-vars", "greeting=hi"])).toEqual({ code: 0, err: [] });
    const refused = await run(["-e", "greeting=hi", "--extra-vars=ansible_user=admin"]);
    expect(refused.code).toBe(1);
    expect(refused.err[0]).toMatch(/^-e\[2\]:1:1: ansible_user: `ansible_user` given with -e does nothing: /);
  });
});
