// Handlers notified by handlers (Ansible runs them): one defined after the notifier joins the round being
// run, one defined before it runs in the next round; a notify loop fails the host instead of running forever.
import { describe, expect, it } from "vitest";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CliIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";
import { tempProject } from "../config/temp-project.js";
import { fakeFleet, loadTemp, runFake } from "./fake-hosts.js";

function project(tasks: string, handlers: string) {
  return loadTemp({
    "inventory/hosts.yaml": "hosts:\n  a: { address: 10.0.0.1 }\n",
    "playbooks/site.yaml": `- name: one\n  hosts: all\n  tasks:\n${tasks}  handlers:\n${handlers}`,
  });
}

/** The `echo WORD` commands host a ran, as the words. */
async function ran(tasks: string, handlers: string): Promise<{ words: string[]; events: Awaited<ReturnType<typeof runFake>>["events"] }> {
  const fleet = fakeFleet();
  const { events } = await runFake(await project(tasks, handlers), fleet);
  const words = (fleet.commands.get("a") ?? []).flatMap((c) => [...c.matchAll(/echo ([\w-]+)/g)].map((m) => m[1]!));
  return { words, events };
}

const handler = (name: string, extra = "") => `    - name: ${name}\n      command: echo ${name}\n${extra}`;

describe("a handler's notify", () => {
  it("runs a handler defined after it in the same round (pb/h1.yaml: restart app -> reload proxy)", async () => {
    const { words } = await ran(
      "    - command: echo change\n      notify: restart-app\n",
      handler("restart-app", "      notify: reload-proxy\n") + handler("never-notified") + handler("reload-proxy"),
    );
    expect(words).toEqual(["change", "restart-app", "reload-proxy"]);
  });

  it("keeps definition order: a handler it notifies between two notified ones runs between them", async () => {
    const { words } = await ran(
      "    - command: echo change\n      notify: [c, a]\n",
      handler("a", "      notify: b\n") + handler("b") + handler("c"),
    );
    expect(words).toEqual(["change", "a", "b", "c"]);
  });

  it("runs a handler defined before it (or notified again after it ran) in a next round, by `listen` too", async () => {
    const { words } = await ran(
      "    - command: echo change\n      notify: [first, second]\n",
      handler("first") + handler("second", "      notify: [again]\n") + handler("third", "      listen: [again]\n") + handler("fourth", "      listen: [again]\n      notify: first\n"),
    );
    // `first` ran, `fourth` notified it again: once more, after the round.
    expect(words).toEqual(["change", "first", "second", "third", "fourth", "first"]);
  });

  it("is not acted on when the handler changed nothing", async () => {
    const { words } = await ran("    - command: echo change\n      notify: h\n", handler("h", "      changed_when: false\n      notify: next\n") + handler("next"));
    expect(words).toEqual(["change", "h"]);
  });

  it("a notify loop that keeps changing fails the host, naming the handlers", async () => {
    const { words, events } = await ran(
      "    - command: echo change\n      notify: ping\n",
      handler("ping", "      notify: pong\n") + handler("pong", "      notify: ping\n"),
    );
    // Two handlers: a converging host needs at most 3 rounds (each changes once, then a round of no change).
    expect(words).toEqual(["change", "ping", "pong", "ping", "pong", "ping", "pong"]);
    const failed = events.filter((e) => e.type === "task" && e.status === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      task: { name: "ping", handler: true },
      summary: expect.stringContaining("handlers keep notifying each other: 'ping' notified again after 3 rounds of handlers"),
    });
    expect(events.find((e) => e.type === "run-end")).toMatchObject({ recap: { a: { failed: 1 } } });
  });

  it("a failed handler names the handlers it leaves behind", async () => {
    const { words, events } = await ran(
      "    - command: echo change\n      notify: [breaks, later]\n",
      "    - name: breaks\n      command: echo FAIL\n      notify: chained\n" + handler("chained") + handler("later"),
    );
    expect(words).toEqual(["change", "FAIL"]);
    expect(events.filter((e) => e.type === "warning")).toEqual([
      { type: "warning", host: "a", message: "handler 'later' notified but not run because a handler failed; recorded on the host: the next apply runs it" },
    ]);
  });

  it("a handler that notifies itself runs again and passes when it reports ok then, as the only handler too", async () => {
    // On the local host: the handler's first run creates a file and changes, its second finds it and is ok.
    const dir = tempProject({ "inventory/i.yaml": "hosts:\n  local: { address: 127.0.0.1, connection: local }\n" });
    const state = path.join(dir, "state");
    const selfNotifying =
      "    - name: once\n" +
      `      shell: "if [ -e '${state}' ]; then echo same; else touch '${state}'; echo new; fi"\n` +
      "      register: once_out\n      changed_when: \"once_out.stdout === 'new'\"\n      notify: once\n";
    const playbook = `- hosts: all\n  gather_facts: false\n  tasks:\n    - command: echo change\n      notify: once\n  handlers:\n${selfNotifying}`;
    const out: string[] = [];
    const io: CliIO = { out: (l) => out.push(l), err: (l) => out.push(l), isTTY: false, cwd: dir, env: { PATH: process.env["PATH"], HOME: dir } };
    mkdirSync(path.join(dir, "playbooks"));
    writeFileSync(path.join(dir, "playbooks/site.yaml"), playbook);
    expect(await main(["apply", "inventory/i.yaml"], io), out.join("\n")).toBe(0);
    expect(out).toEqual(expect.arrayContaining([expect.stringMatching(/^\[local\] changed +handler once/), "[local] ok          handler once"]));
  });
});
