// The --json document: what --verbose adds to it.
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../../src/engine/events.js";
import { JsonRenderer, type JsonReport } from "../../../src/report/json.js";

const runEnd: RunEvent = { type: "run-end", mode: "apply", recap: {}, durationMs: 5, stats: { roundTrips: {}, tasks: {} }, interrupted: false, playsNotRun: [] };

async function document(options: { verbose?: boolean } | undefined, ...events: RunEvent[]): Promise<JsonReport> {
  let text = "";
  const renderer = new JsonRenderer((t) => (text += t), options);
  for (const event of [...events, runEnd]) renderer.handle(event);
  await renderer.finish();
  return JSON.parse(text) as JsonReport;
}

describe("JsonRenderer", () => {
  it("--verbose: the commands run on hosts, in order, each whole (a multi-line one is one string)", async () => {
    const doc = await document(
      { verbose: true },
      { type: "command", host: "web-01", command: "set -e\necho <redacted>" },
      { type: "command", host: "db-01", command: "true" },
    );
    expect(doc.commands).toEqual([
      { host: "web-01", command: "set -e\necho <redacted>" },
      { host: "db-01", command: "true" },
    ]);
    expect(Object.keys(doc).slice(0, 7)).toEqual(["version", "mode", "inventory", "playbook", "durationMs", "tasks", "commands"]);
    // With --verbose the list is there even when nothing ran.
    expect((await document({ verbose: true })).commands).toEqual([]);
  });

  it("without --verbose there is no commands field; commands handed to it (the CLI does so only under --verbose) are listed", async () => {
    expect(await document(undefined)).not.toHaveProperty("commands");
    expect((await document(undefined, { type: "command", host: "web-01", command: "true" })).commands).toEqual([{ host: "web-01", command: "true" }]);
  });

  it("keeps every diff whole, however long", async () => {
    const before = Array.from({ length: 2000 }, (_, i) => `old ${i}`).join("\n") + "\n";
    const task = { name: "big", module: "copy", location: { file: "/p/x.yaml", line: 1, col: 1 }, handler: false };
    const doc = await document(undefined, { type: "task", play: "p", host: "web-01", task, status: "changed", summary: "update /etc/big", diffs: [{ path: "/etc/big", before, after: "" }], durationMs: 1 });
    expect(doc.tasks[0]?.diff?.trimEnd().split("\n")).toHaveLength(2003);
  });
});
