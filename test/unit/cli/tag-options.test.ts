// --tags / --skip-tags that would make a run do everything or nothing without a word: an empty value
// (`--tags "$TAGS"` with TAGS unset), an empty item, or a pair that selects no task. Each is refused before
// anything connects (the inventory's host is unreachable: a run that started would report it).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";
import type { Project } from "../../../src/config/model.js";
import { loadProject } from "../../../src/config/project.js";
import { selectedByTags, tagsSelectSomeTask } from "../../../src/engine/task-list.js";

const dir = mkdtempSync(path.join(tmpdir(), "deploy-tags-"));
const files: Record<string, string> = {
  "inventory/i.yaml": "hosts:\n  h1: { address: 127.0.0.1, port: 1, user: nobody }\n",
  "playbooks/site.yaml": [
    "- hosts: all",
    "  gather_facts: false",
    "  tasks:",
    "    - { name: app, command: echo app, tags: [app] }",
    "    - { name: db, command: echo db, tags: [db] }",
    "",
  ].join("\n"),
  "playbooks/with-always.yaml": [
    "- hosts: all",
    "  gather_facts: false",
    "  tasks:",
    "    - { name: check, command: echo check, tags: [always] }",
    "    - { name: app, command: echo app, tags: [app] }",
    "",
  ].join("\n"),
};
for (const [rel, text] of Object.entries(files)) {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function deploy(args: string[]): Promise<{ code: number; err: string[]; out: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false, cwd: dir, env: { PATH: process.env["PATH"], HOME: dir } };
  return { code: await main(args, io), err, out };
}

describe("--tags and --skip-tags", () => {
  it("refuse an empty value or an empty tag, as a usage error", async () => {
    const cases: Array<[string[], string]> = [
      [["plan", "inventory/i.yaml", "--tags", ""], "deploy plan: --tags '' names no tag: give one or more (a,b), or leave --tags out to run every task"],
      [["apply", "inventory/i.yaml", "--tags", " , "], "deploy apply: --tags ' , ' names no tag: give one or more (a,b), or leave --tags out to run every task"],
      [["apply", "inventory/i.yaml", "--skip-tags", ""], "deploy apply: --skip-tags '' names no tag: give one or more (a,b), or leave --skip-tags out"],
      [["plan", "inventory/i.yaml", "--tags", "app,"], "deploy plan: --tags 'app,' has an empty tag (two commas, or one at an end)"],
      [["plan", "inventory/i.yaml", "--skip-tags", "app,,db"], "deploy plan: --skip-tags 'app,,db' has an empty tag (two commas, or one at an end)"],
    ];
    for (const [args, message] of cases) {
      const r = await deploy(args);
      expect([r.code, r.err[0]], args.join(" ")).toEqual([1, message]);
      expect(r.out).toEqual([]);
    }
  });

  it("refuse a pair that selects no task, or selects only the tasks tagged always", async () => {
    const cases: Array<[string[], string]> = [
      [["apply", "inventory/i.yaml", "--tags", "app", "--skip-tags", "app"], "deploy apply: --tags app with --skip-tags app select no task: the run would do nothing"],
      [["plan", "inventory/i.yaml", "--tags", "app,db", "--skip-tags", "db,app"], "deploy plan: --tags app,db with --skip-tags db,app select no task: the run would do nothing"],
      [["plan", "inventory/i.yaml", "--skip-tags", "all"], "deploy plan: --skip-tags all selects no task: the run would do nothing"],
      [["plan", "inventory/i.yaml", "playbooks/with-always.yaml", "--tags", "app", "--skip-tags", "app"], "deploy plan: --tags app with --skip-tags app select no task but the ones tagged 'always'"],
      [["plan", "inventory/i.yaml", "playbooks/with-always.yaml", "--skip-tags", "all"], "deploy plan: --skip-tags all selects no task but the ones tagged 'always'"],
    ];
    for (const [args, message] of cases) {
      const r = await deploy(args);
      expect([r.code, r.err[0]], args.join(" ")).toEqual([1, message]);
      expect(r.out).toEqual([]);
    }
  });

  it("let a selection that leaves a task run (the host is unreachable: exit 4)", async () => {
    for (const args of [["--tags", "app"], ["--tags", "app", "--skip-tags", "db"], ["--skip-tags", "app"], ["--tags", "always"]]) {
      const playbook = args.includes("always") ? ["playbooks/with-always.yaml"] : [];
      const r = await deploy(["plan", "inventory/i.yaml", ...playbook, ...args]);
      expect(r.code, args.join(" ")).toBe(4);
    }
  });
});

describe("tag selection", () => {
  it("follows Ansible: --skip-tags all skips every task but the always ones", () => {
    const skipAll = { tags: [], skipTags: ["all"] };
    expect(selectedByTags(["app"], skipAll)).toBe(false);
    expect(selectedByTags([], skipAll)).toBe(false);
    expect(selectedByTags(["always"], skipAll)).toBe(true);
    expect(selectedByTags(["always"], { tags: [], skipTags: ["all", "always"] })).toBe(false);
    expect(selectedByTags(["never", "debug"], { tags: ["debug"], skipTags: [] })).toBe(true);
    expect(selectedByTags(["never"], { tags: [], skipTags: [] })).toBe(false);
  });

  it("counts a task the always tag alone brings in only when --tags names always", async () => {
    const project: Project = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", playbookFile: "playbooks/with-always.yaml" });
    expect(tagsSelectSomeTask(project, { tags: ["app"], skipTags: ["app"] })).toBe(false);
    expect(tagsSelectSomeTask(project, { tags: ["always"], skipTags: ["app"] })).toBe(true);
    expect(tagsSelectSomeTask(project, { tags: [], skipTags: ["app"] })).toBe(true);
    expect(tagsSelectSomeTask(project, { tags: [], skipTags: ["all"] })).toBe(false);
  });
});
