// How a run prints. A terminal that does not tell its width (0 columns: some CI terminals, `script`) gets plain lines:
// listr2's live view would wrap every character onto a line of its own.
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";
import { tempProject } from "../config/temp-project.js";

describe("deploy plan on a terminal", () => {
  it("of 0 columns prints the plain per-host lines", async () => {
    const dir = tempProject({
      "inventory/i.yaml": "hosts:\n  local: { address: 127.0.0.1, connection: local }\n",
      "playbooks/site.yaml": "- hosts: all\n  tasks:\n    - name: say hi\n      command: echo hi\n",
    });
    const out: string[] = [];
    const io: CliIO = { out: (l) => out.push(l), err: (l) => out.push(l), isTTY: true, columns: 0, cwd: dir, env: { PATH: process.env["PATH"], HOME: dir } };
    const code = await main(["plan", "inventory/i.yaml", "--no-color"], io);
    expect(code, out.join("\n")).toBe(0);
    // The plain renderer's play line names its hosts (the live view's does not).
    expect(out).toEqual(expect.arrayContaining(["PLAY all [local]", "[local] change      say hi: run: echo hi"]));
  });
});

describe("deploy apply --stats", () => {
  it("prints each host's round trips, total and per task, in inventory order", async () => {
    const dir = tempProject({
      "inventory/i.yaml": "hosts:\n  zeta: { address: 127.0.0.1, connection: local }\n  alpha: { address: 127.0.0.1, connection: local }\n",
      "playbooks/site.yaml": "- hosts: all\n  tasks:\n    - name: say hi\n      command: echo hi\n      changed_when: false\n",
    });
    const out: string[] = [];
    const io: CliIO = { out: (l) => out.push(l), err: (l) => out.push(l), isTTY: false, cwd: dir, env: { PATH: process.env["PATH"], HOME: dir } };
    expect(await main(["apply", "inventory/i.yaml", "--stats"], io)).toBe(0);
    expect(out.filter((l) => l.startsWith("stats "))).toEqual([
      expect.stringMatching(/^stats zeta: \d+ round trips for 1 tasks \(\d+\.\d\d per task\)$/),
      expect.stringMatching(/^stats alpha: \d+ round trips for 1 tasks \(\d+\.\d\d per task\)$/),
    ]);
  });
});

describe("deploy plan --json --verbose", () => {
  it("has the commands key even when no command ran, and not without --verbose", async () => {
    const dir = tempProject({
      "inventory/i.yaml": "hosts:\n  local: { address: 127.0.0.1, connection: local }\n",
      "playbooks/site.yaml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: never\n      command: echo hi\n      when: false\n",
    });
    const run = async (...flags: string[]) => {
      const out: string[] = [];
      const io: CliIO = { out: (l) => out.push(l), err: (l) => out.push(l), isTTY: false, cwd: dir, env: { PATH: process.env["PATH"], HOME: dir } };
      expect(await main(["plan", "inventory/i.yaml", "--json", ...flags], io), out.join("\n")).toBe(0);
      return JSON.parse(out.join("\n")) as { commands?: unknown[] };
    };
    expect((await run("--verbose")).commands).toEqual([]);
    expect(await run()).not.toHaveProperty("commands");
  });
});
