// Paths a role names (template src, copy src, a tree's content) never leave the role's templates/ or
// files/: not by `..`, not by an absolute path, not through a symbolic link.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { TaskResultEvent } from "../../../src/engine/events.js";
import { ConfigError } from "../../../src/config/problems.js";
import { insideDir } from "../../../src/util/inside-dir.js";
import { fakeFleet, loadTemp, runFake } from "./fake-hosts.js";

/** roles/web/{files,templates} plus a secret file outside the role. */
function roleDir(): { role: string; outside: string } {
  const top = mkdtempSync(path.join(tmpdir(), "deploy-role-files-"));
  const role = path.join(top, "roles", "web");
  mkdirSync(path.join(role, "files", "tree", "sub"), { recursive: true });
  mkdirSync(path.join(role, "templates"), { recursive: true });
  writeFileSync(path.join(role, "files", "ok.txt"), "ok\n");
  writeFileSync(path.join(role, "files", "tree", "sub", "a.txt"), "a\n");
  const outside = path.join(top, "secret.txt");
  writeFileSync(outside, "control machine secret\n");
  return { role, outside };
}

describe("insideDir", () => {
  it("accepts paths inside, including links that stay inside", () => {
    const { role } = roleDir();
    symlinkSync("ok.txt", path.join(role, "files", "alias.txt"));
    symlinkSync("../ok.txt", path.join(role, "files", "tree", "up.txt"));
    expect(insideDir(role, "files", "ok.txt")).toBe(path.join(role, "files", "ok.txt"));
    expect(insideDir(role, "files", "alias.txt")).toBe(path.join(role, "files", "alias.txt"));
    expect(insideDir(role, "files", "tree")).toBe(path.join(role, "files", "tree"));
    expect(insideDir(role, "files", "missing.txt")).toBe(path.join(role, "files", "missing.txt"));
  });

  it("refuses .., absolute paths, and links to the outside (the file, a directory on the way, inside a tree)", () => {
    const { role, outside } = roleDir();
    expect(() => insideDir(role, "files", "../../../etc/passwd")).toThrow("'../../../etc/passwd' points outside web/files/");
    expect(() => insideDir(role, "templates", "/etc/passwd")).toThrow("'/etc/passwd' points outside web/templates/");
    symlinkSync(outside, path.join(role, "files", "secret.txt"));
    expect(() => insideDir(role, "files", "secret.txt")).toThrow(`'secret.txt' is a symbolic link to ${outside}, outside web/files/`);
    symlinkSync("/etc", path.join(role, "files", "etc"));
    expect(() => insideDir(role, "files", "etc/passwd")).toThrow("'etc/passwd' is a symbolic link to /etc/passwd, outside web/files/");
    symlinkSync(outside, path.join(role, "files", "tree", "sub", "leak.txt"));
    expect(() => insideDir(role, "files", "tree")).toThrow(`'tree' holds sub/leak.txt, a symbolic link to ${outside}, outside web/files/`);
    symlinkSync("../templates", path.join(role, "files", "tpl"));
    expect(() => insideDir(role, "files", "tpl")).toThrow(/'tpl' is a symbolic link to .*\/roles\/web\/templates, outside web\/files\//);
  });
});

describe("a run with role files that escape", () => {
  const files = {
    "inventory/hosts.yaml": "hosts:\n  a: { address: 10.0.0.1 }\n",
    "playbooks/site.yaml": "- name: web\n  hosts: all\n  roles: [web]\n",
    "roles/web/tasks/main.yaml": [
      "- name: leak by link",
      "  copy: { src: leak.txt, dest: /tmp/leak }",
      "- name: never reached",
      "  copy: { content: x, dest: /tmp/x }",
      "",
    ].join("\n"),
    "roles/web/files/placeholder": "",
    "roles/web/templates/page.ejs": "page\n",
  };

  const leak = (dir: string) => {
    writeFileSync(path.join(dir, "secret.txt"), "control machine secret\n");
    symlinkSync(path.join(dir, "secret.txt"), path.join(dir, "roles/web/files/leak.txt"));
  };

  it("named in the role: refused by validation, located, before anything connects", async () => {
    const error = await loadTemp(files, leak).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => `${p.location.line}:${p.location.col}: ${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(/^2:16: \[0\]\.copy\.src: 'leak\.txt' is a symbolic link to .*\/secret\.txt, outside roles\/web\/files\/$/),
    ]);
  });

  it("named at run time (-e): fails the task before anything is read or sent, and the host stops there", async () => {
    const project = await loadTemp(
      { ...files, "roles/web/tasks/main.yaml": files["roles/web/tasks/main.yaml"].replace("src: leak.txt", 'src: "{{ name }}"') },
      leak,
      ["name=leak.txt"],
    );
    const fleet = fakeFleet();
    const { result, events } = await runFake(project, fleet, { mode: "plan" });
    const tasks = events.filter((e): e is TaskResultEvent => e.type === "task");
    expect(tasks.map((t) => [t.task.name, t.status])).toEqual([["leak by link", "failed"]]);
    expect(tasks[0]?.summary).toMatch(/'leak\.txt' is a symbolic link to .*\/secret\.txt, outside roles\/web\/files\//);
    expect(fleet.commands.get("a")?.join("\n") ?? "").not.toContain("control machine secret");
    expect(result.failedHosts).toEqual(["a"]);
  });

  it("a template src rendered at run time from -e cannot climb out either", async () => {
    const project = await loadTemp(
      {
        ...files,
        "roles/web/tasks/main.yaml": "- name: page\n  template: { src: \"{{ page }}\", dest: /tmp/page }\n",
      },
      undefined,
      ["page=../../../../../../etc/passwd"],
    );
    const { events } = await runFake(project, fakeFleet(), { mode: "plan" });
    const task = events.find((e): e is TaskResultEvent => e.type === "task");
    expect(task).toMatchObject({ status: "failed", summary: expect.stringContaining("'../../../../../../etc/passwd' points outside roles/web/templates/") });
  });
});
