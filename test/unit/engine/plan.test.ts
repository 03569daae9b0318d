// Plan mode with in-memory hosts: nothing runs, and a command declared read-only is not a change.
import { describe, expect, it } from "vitest";
import type { TaskResultEvent } from "../../../src/engine/events.js";
import { fakeFleet, loadTemp, runFake } from "./fake-hosts.js";

const PROJECT = {
  "inventory/hosts.yaml": "hosts:\n  a: { address: 10.0.0.1 }\n",
  "playbooks/site.yaml": `- name: checks
  hosts: all
  tasks:
    - name: read only
      command: cat /etc/hostname
      register: name
      changed_when: false
    - name: may change
      command: touch /tmp/x
    - name: decided by output
      command: grep -q x /etc/hosts
      register: grepped
      changed_when: "grepped.rc == 0"
    - name: uses the output
      command: "echo {{ name.stdout }}"
`,
};

describe("plan", () => {
  it("runs no command; `changed_when: false` commands are ok, others would change, their output is pending", async () => {
    const project = await loadTemp(PROJECT);
    const fleet = fakeFleet();
    const { result, events } = await runFake(project, fleet, { mode: "plan" });
    expect(fleet.commands.get("a")).toEqual([]);
    const tasks = events.filter((e): e is TaskResultEvent => e.type === "task");
    expect(tasks.map((t) => [t.task.name, t.status, Boolean(t.pending), t.summary])).toEqual([
      ["read only", "ok", false, "run: cat /etc/hostname (changed_when: false)"],
      ["may change", "changed", false, "run: touch /tmp/x"],
      ["decided by output", "changed", false, "run: grep -q x /etc/hosts"],
      ["uses the output", "changed", true, "unknown until 'read only' runs"],
    ]);
    expect(result.recap["a"]).toMatchObject({ ok: 1, changed: 3 });
  });

  it("apply runs them and `changed_when: false` reports ok there too", async () => {
    const project = await loadTemp(PROJECT);
    const fleet = fakeFleet();
    const { events } = await runFake(project, fleet);
    const statuses = events.filter((e): e is TaskResultEvent => e.type === "task").map((t) => t.status);
    expect(statuses).toEqual(["ok", "changed", "changed", "changed"]);
    expect(fleet.commands.get("a")).toHaveLength(4);
  });
});
