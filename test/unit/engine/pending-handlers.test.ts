// Handlers a run notified and never ran to success are recorded on the host and run by the next apply
// (engine/pending-handlers.ts): the record's text, the queue seeded from it, and when it is written.
import { describe, expect, it } from "vitest";
import { formatRecord, writeRecordScript } from "../../../src/engine/handler-record.js";
import { HandlerQueue } from "../../../src/engine/handler-queue.js";
import { handlerEntries } from "../../../src/engine/entry.js";
import { planPlayTasks } from "../../../src/engine/task-list.js";
import { parsePendingHandlers } from "../../../src/facts/parsers.js";
import type { PendingHandler } from "../../../src/facts/types.js";
import { FACTS, fakeFleet, loadTemp, runFake } from "./fake-hosts.js";

const HOSTS = "hosts:\n  a: { address: 10.0.0.1 }\n  b: { address: 10.0.0.2 }\n";
const RECORD = "/var/lib/deploy/pending-handlers";

function files(playbook: string): Record<string, string> {
  return {
    "inventory/hosts.yaml": HOSTS,
    "playbooks/site.yaml": playbook,
    "roles/web/tasks/main.yaml": "- name: web config\n  command: echo web-config\n  changed_when: false\n",
    "roles/web/handlers/main.yaml": "- name: reload nginx\n  command: echo reload-nginx\n",
  };
}

/** Play `one`: a changing task on both hosts, a task that fails on b when asked (`-e fail=FAIL`). */
const PLAYBOOK = `- name: one
  hosts: all
  roles: [web]
  vars: { fail: fine }
  tasks:
    - name: config
      command: echo config
      notify: [reload nginx, restart app]
    - name: breaks
      command: "echo {{ host.name == 'b' ? fail : 'fine' }}"
  handlers:
    - name: restart app
      command: echo restart-app
    - name: then this
      command: echo then-this
`;

const owedBy = (records: Record<string, PendingHandler[]>) => (host: string) => ({ ...FACTS, pendingHandlers: records[host] });
const recordCommands = (commands: string[] | undefined) => (commands ?? []).filter((c) => c.includes(RECORD));
const words = (commands: string[] | undefined) => (commands ?? []).flatMap((c) => [...c.matchAll(/echo ([\w-]+)/g)].map((m) => m[1]!));

describe("the record's text", () => {
  it("reads back what it wrote, whatever the names hold; lines that are no handler are skipped", () => {
    const handlers: PendingHandler[] = [
      { handler: "reload nginx", role: "web" },
      { handler: `it's "odd"\nreally`, playbook: "playbooks/site.yaml", play: "one" },
    ];
    const text = formatRecord(handlers);
    expect(text.split("\n")).toHaveLength(3);
    expect(parsePendingHandlers(text)).toEqual(handlers);
    expect(parsePendingHandlers(`${text}{"handler": 3}\nnot json\n{"handler":"x"}\n{"handler":"half`)).toEqual(handlers);
    expect(parsePendingHandlers("")).toBeUndefined();
  });

  it("is written by one command, renamed over the old one, the text quoted; removed when nothing is owed", () => {
    const script = writeRecordScript([{ handler: "it's", role: "web" }]).text;
    expect(script).toBe(`umask 022 && mkdir -p /var/lib/deploy && printf '%s' '{"handler":"it'\\''s","role":"web"}\n' > ${RECORD}.new && mv -f ${RECORD}.new ${RECORD}`);
    expect(writeRecordScript([]).text).toBe(`rm -f ${RECORD}`);
  });
});

describe("the handler queue seeded from the record", () => {
  it("runs the seeded handlers in the first round, with those tasks notify, in definition order", async () => {
    const project = await loadTemp(files(PLAYBOOK));
    const playTasks = planPlayTasks(project.playbook.plays[0]!, project);
    const queue = new HandlerQueue(playTasks.handlers, handlerEntries(playTasks, project.inventory.projectDir));
    queue.seed([2]);
    queue.notify(["reload nginx"]);
    expect(queue.nextRound()?.map((e) => e.task.name)).toEqual(["reload nginx", "then this"]);
    expect(queue.owed()).toEqual([0, 2]);
  });

  it("owes a failed handler and the ones after it; one that ran is done", async () => {
    const project = await loadTemp(files(PLAYBOOK));
    const playTasks = planPlayTasks(project.playbook.plays[0]!, project);
    const queue = new HandlerQueue(playTasks.handlers, handlerEntries(playTasks, project.inventory.projectDir));
    queue.seed([0, 1, 2]);
    const round = queue.nextRound()!;
    queue.finished(round[0]!, true);
    queue.finished(round[1]!, false, true);
    expect(queue.done()).toEqual([0]);
    expect(queue.owed()).toEqual([1, 2]);
  });
});

describe("a run that ends with handlers owed", () => {
  it("records them on the host that failed, in one round trip at the end; the host that finished writes nothing", async () => {
    const project = await loadTemp(files(PLAYBOOK), undefined, ["fail=FAIL"]);
    const fleet = fakeFleet();
    await runFake(project, fleet);
    const written = recordCommands(fleet.commands.get("b"));
    expect(written).toHaveLength(1);
    expect(fleet.commands.get("b")!.at(-1)).toBe(written[0]);
    expect(parsePendingHandlers(/printf '%s' '(.*)' >/s.exec(written[0]!)![1]!)).toEqual([
      { handler: "reload nginx", role: "web" },
      { handler: "restart app", playbook: "playbooks/site.yaml", play: "one" },
    ]);
    expect(recordCommands(fleet.commands.get("a"))).toEqual([]);
  });

  it("records a handler that failed, and the ones queued after it", async () => {
    const project = await loadTemp(files(PLAYBOOK.replace("command: echo restart-app", "command: echo FAIL")));
    const fleet = fakeFleet({ factsOf: owedBy({}) });
    await runFake(project, fleet, { limit: new Set(["a"]) });
    const written = recordCommands(fleet.commands.get("a"));
    expect(written).toHaveLength(1);
    expect(written[0]).toContain('"handler":"restart app"');
    expect(written[0]).not.toContain("reload nginx");
  });
});

describe("the next apply", () => {
  const owed = { a: [{ handler: "reload nginx", role: "web" }, { handler: "then this", playbook: "playbooks/site.yaml", play: "one" }] };
  const quiet = PLAYBOOK.replace("      notify: [reload nginx, restart app]\n", "      changed_when: false\n");

  it("runs the owed handlers at the play's flush though nothing changed, says why, and clears the record", async () => {
    const project = await loadTemp(files(quiet));
    const fleet = fakeFleet({ factsOf: owedBy(owed) });
    const { events } = await runFake(project, fleet);
    expect(words(fleet.commands.get("a"))).toEqual(["web-config", "config", "fine", "reload-nginx", "then-this"]);
    expect(recordCommands(fleet.commands.get("a"))).toEqual([`rm -f ${RECORD}`]);
    expect(events.filter((e) => e.type === "warning" && e.host === "a").map((e) => e.type === "warning" && e.message)).toEqual([
      "handler 'reload nginx': notified by an earlier run that did not finish; it runs at the end of play 'one'",
      "handler 'then this': notified by an earlier run that did not finish; it runs at the end of play 'one'",
    ]);
    // Nothing owed, nothing recorded: no extra round trip.
    expect(words(fleet.commands.get("b"))).toEqual(["web-config", "config", "fine"]);
    expect(fleet.commands.get("b")).toHaveLength(3);
  });

  it("plan shows them as changes to come, with the reason, and writes nothing", async () => {
    const project = await loadTemp(files(quiet));
    const fleet = fakeFleet({ factsOf: owedBy(owed) });
    const { events } = await runFake(project, fleet, { mode: "plan" });
    const handlers = events.filter((e) => e.type === "task" && e.host === "a" && e.task.handler);
    expect(handlers.map((e) => e.type === "task" && [e.task.name, e.status])).toEqual([
      ["reload nginx", "changed"],
      ["then this", "changed"],
    ]);
    expect(events.some((e) => e.type === "warning" && e.message.includes("notified by an earlier run"))).toBe(true);
    expect(recordCommands(fleet.commands.get("a"))).toEqual([]);
  });

  it("keeps a handler owed when it fails again, and one of a play that does not run on the host", async () => {
    const twoPlays = `${quiet.replace("command: echo then-this", "command: echo FAIL")}- name: two\n  hosts: b\n  handlers:\n    - name: only b\n      command: echo only-b\n`;
    const project = await loadTemp(files(twoPlays));
    const other = { handler: "only b", playbook: "playbooks/site.yaml", play: "two" };
    const fleet = fakeFleet({ factsOf: owedBy({ a: [...owed.a, other] }) });
    await runFake(project, fleet);
    const written = recordCommands(fleet.commands.get("a"));
    expect(written).toHaveLength(1);
    expect(parsePendingHandlers(/printf '%s' '(.*)' >/s.exec(written[0]!)![1]!)).toEqual([owed.a[1], other]);
  });

  it("drops a record naming a handler the project no longer has, with a note; keeps one of another playbook", async () => {
    const project = await loadTemp(files(quiet));
    const gone = [
      { handler: "restart php", role: "web" },
      { handler: "old", playbook: "playbooks/site.yaml", play: "one" },
      { handler: "x", playbook: "playbooks/other.yaml", play: "one" },
      { handler: "y", role: "not-in-this-playbook" },
    ];
    const fleet = fakeFleet({ factsOf: owedBy({ a: gone }) });
    const { events } = await runFake(project, fleet, { limit: new Set(["a"]) });
    expect(events.filter((e) => e.type === "warning").map((e) => e.type === "warning" && e.message)).toEqual([
      "handler 'restart php' of role web, notified by an earlier run that did not finish, no longer exists: dropped from the host's record",
      "handler 'old' of play 'one' (playbooks/site.yaml), notified by an earlier run that did not finish, no longer exists: dropped from the host's record",
    ]);
    const written = recordCommands(fleet.commands.get("a"));
    expect(written).toHaveLength(1);
    expect(parsePendingHandlers(/printf '%s' '(.*)' >/s.exec(written[0]!)![1]!)).toEqual([gone[2], gone[3]]);
    expect(events.some((e) => e.type === "task" && e.task.handler)).toBe(false);
  });

  it("runs the chain an owed handler notifies", async () => {
    const chained = quiet.replace("      command: echo restart-app\n", "      command: echo restart-app\n      notify: then this\n");
    const project = await loadTemp(files(chained));
    const fleet = fakeFleet({ factsOf: owedBy({ a: [{ handler: "restart app", playbook: "playbooks/site.yaml", play: "one" }] }) });
    await runFake(project, fleet, { limit: new Set(["a"]) });
    expect(words(fleet.commands.get("a"))).toEqual(["web-config", "config", "fine", "restart-app", "then-this"]);
    expect(recordCommands(fleet.commands.get("a"))).toEqual([`rm -f ${RECORD}`]);
  });
});
