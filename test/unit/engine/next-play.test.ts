// A host's next play gets its first probes while the other hosts finish the play before (next-play.ts):
// sooner when nothing changes, never an observation that a change made stale.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";
import { tempProject } from "../config/temp-project.js";
import { fakeFleet, loadTemp, runFake } from "./fake-hosts.js";

// b has four round trips of probes in the first play (become alternates), a has one; a alone plays second.
const TWO_PLAYS = {
  "inventory/hosts.yaml": "hosts:\n  a: { address: 10.0.0.1 }\n  b: { address: 10.0.0.2 }\n",
  "playbooks/site.yaml": [
    "- name: first",
    "  hosts: all",
    "  tasks:",
    "    - command: { cmd: make one, creates: /srv/one }",
    ...["two", "three", "four"].flatMap((name, i) => [
      `    - command: { cmd: make ${name}, creates: /srv/${name} }`,
      `      become: ${i % 2 === 0}`,
      `      when: "host.name == 'b'"`,
    ]),
    "- name: second",
    "  hosts: a",
    "  tasks:",
    "    - command: { cmd: make second, creates: /srv/second }",
    "",
  ].join("\n"),
};

function execOrder(fleet: ReturnType<typeof fakeFleet>): Array<[string, string]> {
  const order: Array<[string, string]> = [];
  fleet.onExec = (host, command) => order.push([host, command]);
  return order;
}

describe("probes of a host's next play", () => {
  it("plan: go out while the other hosts finish the play before, in the round trip the play would have made", async () => {
    const project = await loadTemp(TWO_PLAYS);
    const fleet = fakeFleet({ delayMs: 20 });
    const order = execOrder(fleet);
    const { result, events } = await runFake(project, fleet, { mode: "plan" });
    expect(result.failedHosts).toEqual([]);
    const second = order.findIndex(([host, command]) => host === "a" && command.includes("/srv/second"));
    const lastOfB = order.findLastIndex(([host]) => host === "b");
    expect(second).toBeGreaterThan(-1);
    expect(second).toBeLessThan(lastOfB);
    // a: one round trip per play, as without probing ahead.
    expect(fleet.commands.get("a")).toHaveLength(2);
    const aTasks = events.filter((e) => e.type === "task" && e.host === "a").map((e) => e.type === "task" && [e.play, e.status]);
    expect(aTasks).toEqual([["first", "changed"], ["first", "skipped"], ["first", "skipped"], ["first", "skipped"], ["second", "changed"]]);
  });

  it("apply that changes hosts: no probe goes ahead of its play", async () => {
    const project = await loadTemp(TWO_PLAYS);
    const fleet = fakeFleet({ delayMs: 20 });
    const order = execOrder(fleet);
    await runFake(project, fleet, { mode: "apply" });
    const second = order.findIndex(([host, command]) => host === "a" && command.includes("/srv/second"));
    const lastOfB = order.findLastIndex(([host]) => host === "b");
    expect(second).toBeGreaterThan(lastOfB);
  });
});

type Doc = { tasks: Array<{ host: string; task: string; status: string }>; commands: Array<{ host: string; command: string }> };

/** Writes the project's playbook, then runs `deploy ARGS --json` on it in this process. */
async function runLocal(dir: string, play: string, args: string[]): Promise<{ code: number; doc: Doc; text: string }> {
  mkdirSync(path.join(dir, "playbooks"), { recursive: true });
  writeFileSync(path.join(dir, "playbooks/site.yaml"), play);
  const out: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => out.push(l), isTTY: false, cwd: dir, env: { PATH: process.env["PATH"], HOME: dir } };
  const code = await main([...args, "--json"], io);
  const text = out.join("\n");
  return { code, doc: JSON.parse(text) as Doc, text };
}

describe("probes sent ahead on real files (local hosts)", () => {
  function project(slow: boolean): { shared: string; run: (command: string) => Promise<{ code: number; doc: Doc }> } {
    const dir = tempProject({
      "inventory/i.yaml": "hosts:\n  a: { address: 127.0.0.1, connection: local }\n  b: { address: 127.0.0.1, connection: local }\n",
    });
    const shared = path.join(dir, "shared");
    const play = [
      "- name: first",
      "  hosts: all",
      "  tasks:",
      // A check that takes a second and changes nothing (its `unless` holds): b touches nothing until
      // it writes the file, well after a has sent its probes ahead.
      "    - name: b takes its time",
      "      command: { cmd: 'true', unless: sleep 1 }",
      `      when: "host.name == 'b' && vars.slow"`,
      "    - name: b writes the file a checks next",
      `      copy: { content: "from b\\n", dest: ${shared} }`,
      `      when: "host.name == 'b'"`,
      "- name: second",
      "  hosts: a",
      "  tasks:",
      "    - name: a wants the same content",
      `      copy: { content: "from b\\n", dest: ${shared} }`,
      "",
    ].join("\n");
    const run = (command: string) => runLocal(dir, play, [command, "inventory/i.yaml", "--verbose", "-e", `slow=${slow}`]);
    return { shared, run };
  }

  const probesOfShared = (doc: Doc, shared: string) => doc.commands.filter((c) => c.host === "a" && c.command.includes(shared)).length;

  it("a change another host makes before the play starts is seen, not the observation sent ahead", async () => {
    const { shared, run } = project(true);
    writeFileSync(shared, "old\n");
    // a has nothing to do in the first play and sends its probe of `shared` at once, reading "old";
    // b then checks for a second and writes the file. a's play must see b's content: nothing to do.
    const { code, doc } = await run("apply");
    expect(code).toBe(0);
    // a probed the file twice: ahead (thrown away, since b changed a host since) and when its play ran.
    expect(probesOfShared(doc, shared)).toBe(2);
    expect(readFileSync(shared, "utf8")).toBe("from b\n");
    expect(doc.tasks.filter((t) => t.host === "a" && t.task === "a wants the same content").map((t) => t.status)).toEqual(["ok"]);
  });

  it("a converged apply and a plan take them, and say what is true: nothing to do", async () => {
    const { shared, run } = project(false);
    writeFileSync(shared, "from b\n");
    for (const command of ["apply", "plan"]) {
      const { code, doc } = await run(command);
      expect(code).toBe(0);
      // Hosts run side by side: each host's results in its own order.
      const of = (host: string) => doc.tasks.filter((t) => t.host === host).map((t) => `${t.task}: ${t.status}`);
      expect(of("a")).toEqual(["b takes its time: skipped", "b writes the file a checks next: skipped", "a wants the same content: ok"]);
      expect(of("b")).toEqual(["b takes its time: skipped", "b writes the file a checks next: ok"]);
      // Once: the probe sent ahead was taken.
      expect(probesOfShared(doc, shared)).toBe(1);
    }
  });

  it("a play in between that registers a result: the later play's params and templates are rendered again", async () => {
    const dir = tempProject({
      "inventory/i.yaml": "hosts:\n  a: { address: 127.0.0.1, connection: local }\n",
      "templates/state.ejs": "<%= state.skipped %>\n",
    });
    const target = path.join(dir, "target");
    const rendered = path.join(dir, "rendered");
    // The third play's probes go out after the first, when `state` is the skipped result; the second
    // play registers it again (no change) before the third runs.
    const play = [
      "- hosts: a",
      "  tasks:",
      `    - file: { path: ${dir}, state: directory }`,
      "      register: state",
      '      when: "false"',
      "- hosts: a",
      "  tasks:",
      `    - file: { path: ${dir}, state: directory }`,
      "      register: state",
      "- hosts: a",
      "  tasks:",
      // The template first: taken as sent ahead (same params), it must be prepared again from the vars.
      "    - name: template",
      `      template: { src: state.ejs, dest: ${rendered} }`,
      "    - name: params",
      `      copy: { content: "{{ state.skipped }}\\n", dest: ${target} }`,
      "",
    ].join("\n");
    writeFileSync(target, "false\n");
    writeFileSync(rendered, "false\n");
    const { code, doc, text } = await runLocal(dir, play, ["apply", "inventory/i.yaml"]);
    expect(code, text).toBe(0);
    expect(doc.tasks.filter((t) => t.task === "params" || t.task === "template").map((t) => `${t.task}: ${t.status}`)).toEqual(["template: ok", "params: ok"]);
    expect(readFileSync(target, "utf8")).toBe("false\n");
  });
});
