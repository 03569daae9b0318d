// Speculative probing (engine/speculation.ts) on a real shell: a converged play costs one round trip of
// probes, even with a task whose `when` reads a result registered earlier in the same round trip.
import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CliIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";
import { tempProject } from "../config/temp-project.js";

describe("probes sent ahead", () => {
  it("include a task whose `when` reads a result not registered yet (probed as if it will run)", async () => {
    const dir = tempProject({ "inventory/i.yaml": "hosts:\n  local: { address: 127.0.0.1, connection: local }\n" });
    const target = path.join(dir, "made");
    const play = [
      "- hosts: all",
      "  tasks:",
      "    - name: dir",
      `      file: { path: ${target}, state: directory }`,
      "      register: made",
      "    - name: restart when it changed",
      "      command: echo restart",
      '      when: "made.changed"',
      "    - name: restart when an earlier run stopped before it",
      "      command:",
      "        cmd: echo restart",
      `        unless: test -d ${target}`,
      '      when: "!made.changed"',
      "    - name: after",
      `      file: { path: ${target}/sub, state: directory }`,
      "",
    ].join("\n");
    mkdirSync(path.join(dir, "playbooks"));
    writeFileSync(path.join(dir, "playbooks/site.yaml"), play);
    const apply = async () => {
      const out: string[] = [];
      const io: CliIO = { out: (l) => out.push(l), err: (l) => out.push(l), isTTY: false, cwd: dir, env: { PATH: process.env["PATH"], HOME: dir } };
      expect(await main(["apply", "inventory/i.yaml", "--json"], io), out.join("\n")).toBe(0);
      return JSON.parse(out.join("\n")) as { stats: { roundTrips: Record<string, number> }; tasks: Array<{ task: string; status: string }> };
    };
    await apply();
    const converged = await apply();
    expect(converged.tasks.map((t) => [t.task, t.status])).toEqual([
      ["dir", "ok"],
      ["restart when it changed", "skipped"],
      ["restart when an earlier run stopped before it", "ok"],
      ["after", "ok"],
    ]);
    // Facts, then the play's one batch of probes: the `unless` of the third task rode in it.
    expect(converged.stats.roundTrips["local"]).toBe(2);
  });
});
