// A host another deploy is applying to (its lock is held): that host fails at once, before any task, and is
// reported as failed in the recap, the lines and the JSON; the other hosts of the run go on.
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../../src/engine/events.js";
import { JsonRenderer } from "../../../src/report/json.js";
import { LinesRenderer } from "../../../src/report/lines.js";
import { fakeFleet, FOUR_HOSTS, loadTemp, runFake } from "./fake-hosts.js";

const PROJECT = {
  "inventory/hosts.yaml": FOUR_HOSTS,
  "playbooks/site.yaml": `- name: first
  hosts: all
  tasks:
    - command: echo one
- name: second
  hosts: all
  tasks:
    - command: echo two
`,
};

function render(events: RunEvent[]): { lines: string[]; json: Record<string, unknown> } {
  const lines: string[] = [];
  const plain = new LinesRenderer({ verbose: false, color: false, write: (t) => lines.push(...t.replace(/\n$/, "").split("\n")), cwd: "/" }, ["a", "b", "c", "d"]);
  let text = "";
  const json = new JsonRenderer((t) => (text += t));
  for (const event of events) {
    plain.handle(event);
    json.handle(event);
  }
  void json.finish();
  return { lines, json: JSON.parse(text) as Record<string, unknown> };
}

describe("a host another apply holds", () => {
  it("fails before any task, in every report; later plays leave it out; the other hosts run", async () => {
    const project = await loadTemp(PROJECT);
    const fleet = fakeFleet();
    fleet.busy = new Set(["b"]);
    const { result, events } = await runFake(project, fleet);
    expect(result.failedHosts).toEqual(["b"]);
    expect(result.unreachableHosts).toEqual([]);
    expect(result.recap["b"]).toEqual({ ok: 0, changed: 0, failed: 1, skipped: 0, unreachable: 0, ignored: 0 });
    expect(result.recap["a"]).toMatchObject({ changed: 2, failed: 0 });
    // No command ran on it but the gathering (which this fake does not count), in neither play.
    expect(fleet.commands.get("b")).toEqual([]);
    expect(events.filter((e) => e.type === "host-end" && e.host === "b").map((e) => e.type === "host-end" && e.status)).toEqual(["failed"]);

    const { lines, json } = render(events);
    expect(lines).toContainEqual(expect.stringMatching(/^\[b\] +failed +another deploy is applying to this host \(alice@laptop pid 4242, since \d\d:\d\d:\d\d UTC\); try again when it ends$/));
    expect(lines).toContain("b     ok=0 changed=0 failed=1 skipped=0 unreachable=0");
    expect(json["hostsFailed"]).toEqual({ b: expect.stringMatching(/^another deploy is applying to this host \(alice@laptop pid 4242, since /) });
    expect(json["unreachable"]).toEqual({});
  });
});
