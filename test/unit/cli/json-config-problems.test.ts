// `--json` and configuration problems: no command has a JSON form for them. apply/plan --json print their
// document only for a run that started; problems found before it are the same `file:line:col: path: message`
// lines on stderr as without --json, with nothing on stdout (so a consumer never parses half a document) and
// exit 1. `inventory --json` and `ping --json` do the same.
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";
import { tempProject } from "../config/temp-project.js";

async function deploy(cwd: string, args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false, cwd, env: { PATH: process.env["PATH"], HOME: cwd } };
  return { code: await main(args, io), out, err };
}

describe("--json with a broken inventory", () => {
  it("every command: the problem lines on stderr, as without --json; stdout empty; exit 1", async () => {
    const dir = tempProject({
      "inventory/bad.yaml": "hosts:\n  web-01: { address: 10.0.0.1, port: nope }\n",
      "playbooks/site.yaml": "- hosts: web-01\n  tasks: []\n",
    });
    const problem = 'inventory/bad.yaml:2:38: hosts.web-01.port: expected a number, got a string ("nope")';
    const inventory = path.join("inventory", "bad.yaml");
    for (const args of [["apply", inventory], ["plan", inventory], ["inventory", inventory], ["inventory", inventory, "--host", "web-01"], ["ping", inventory]]) {
      const text = await deploy(dir, args);
      const json = await deploy(dir, [...args, "--json"]);
      expect(json, args.join(" ")).toEqual(text);
      expect(json.code).toBe(1);
      expect(json.out).toEqual([]);
      expect(json.err[0]).toBe(problem);
      expect(json.err.at(-1)).toMatch(/^deploy: \d configuration problems?; nothing was run$/);
    }
  });
});
