// `when`, `changed_when` and `failed_when` written as Ansible's list: all items must hold, each tested as a
// condition on its own (so a list var among them is still refused, not hidden in an `&&`).
import { describe, expect, it } from "vitest";
import { fakeFleet, loadTemp, runFake } from "./fake-hosts.js";

async function run(tasks: string) {
  const project = await loadTemp({
    "inventory/hosts.yaml": "vars:\n  packages: [nginx]\nhosts:\n  a: { address: 10.0.0.1 }\n",
    "playbooks/site.yaml": `- hosts: all\n  tasks:\n${tasks}`,
  });
  const fleet = fakeFleet();
  const { events } = await runFake(project, fleet);
  const words = (fleet.commands.get("a") ?? []).flatMap((c) => [...c.matchAll(/echo ([\w-]+)/g)].map((m) => m[1]!));
  const outcomes = events.flatMap((e) => (e.type === "task" ? [`${e.task.name}: ${e.status}${e.status === "failed" || e.status === "skipped" ? ` (${e.summary})` : ""}`] : []));
  return { words, outcomes };
}

describe("a list of conditions", () => {
  it("when: runs the task only when every item holds", async () => {
    const { words } = await run(
      [
        "    - command: echo all-true",
        "      when: [true, \"host.name === 'a'\", \"1 > 0\"]",
        "    - command: echo one-false",
        "      when: [\"host.name === 'a'\", \"host.name === 'b'\"]",
        "",
      ].join("\n"),
    );
    expect(words).toEqual(["all-true"]);
  });

  it("changed_when and failed_when: true when every item is", async () => {
    const { outcomes } = await run(
      [
        "    - name: quiet",
        "      command: echo quiet",
        "      changed_when: [true, \"result.rc !== 0\"]",
        "    - name: loud",
        "      command: echo loud",
        "      changed_when: [true, \"result.rc === 0\"]",
        "      failed_when: [\"result.rc === 0\", \"result.rc !== 0\"]",
        "    - name: fails",
        "      command: echo fails",
        "      failed_when: [\"result.rc === 0\", true]",
        "      ignore_errors: true",
        "",
      ].join("\n"),
    );
    expect(outcomes).toEqual(["quiet: ok", "loud: changed", "fails: failed (failed_when is true: result.rc === 0 && true)"]);
  });

  it("each item is a condition of its own: a list var among them is refused, as alone", async () => {
    const { words, outcomes } = await run("    - name: install\n      command: echo never\n      when: [true, packages]\n");
    expect(words).toEqual([]);
    expect(outcomes).toEqual([expect.stringMatching(/^install: failed \(when: `packages` gave a list \(1 item\): a condition must be true or false.*write `packages\.length > 0`\)$/)]);
  });
});
