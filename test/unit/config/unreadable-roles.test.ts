// Directories the user may not read. Tests run as root, whom permissions never stop, so the file system
// calls are made to fail as the kernel fails them for a directory of mode 000 (EACCES for the directory's
// listing and for every path below it); the loader's own classification of that error is what is tested.
// One case runs for real: a chmod 000 and the built CLI, in a process whom the mode stops.
import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { INVENTORY, projectProblems, tempProject, problemLines } from "./temp-project.js";
import { loadProject } from "../../../src/config/project.js";

const BIN = path.resolve("bin/deploy.js");
const locked = new Set<string>();

/** Whether the kernel would refuse `target` because a locked directory is it (`listing`) or on its way. */
function refused(target: unknown, listing: boolean): boolean {
  const file = path.resolve(String(target));
  return [...locked].some((dir) => file.startsWith(dir + path.sep) || (listing && file === dir));
}

function eacces(syscall: string, target: unknown): NodeJS.ErrnoException {
  return Object.assign(new Error(`EACCES: permission denied, ${syscall} '${String(target)}'`), { code: "EACCES", errno: -13, syscall, path: String(target) });
}

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const guard =
    <A extends unknown[], R>(syscall: string, listing: boolean, call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      refused(args[0], listing) ? Promise.reject(eacces(syscall, args[0])) : call(...args);
  const mocked = {
    ...real,
    stat: guard("stat", false, real.stat),
    readdir: guard("scandir", true, real.readdir),
    readFile: guard("open", false, real.readFile),
  };
  return { ...mocked, default: mocked };
});

afterEach(() => locked.clear());

const ROLE_APP = {
  "roles/app/tasks/main.yaml": "- template: { src: app.conf.ejs, dest: /etc/app.conf }\n  notify: restart app\n",
  "roles/app/handlers/main.yaml": "- name: restart app\n  command: echo restart\n",
  "roles/app/templates/app.conf.ejs": "port=1\n",
  "playbooks/site.yaml": "- hosts: web\n  roles: [app]\n- hosts: db\n  roles: [app]\n",
};

/** The project's problems with the directories `lock` names (relative to the project) made unreadable. */
async function problemsWithLocked(lock: string[]): Promise<string[]> {
  const dir = tempProject({ "inventory/i.yaml": INVENTORY, ...ROLE_APP });
  for (const rel of lock) locked.add(path.join(dir, rel));
  return problemLines(dir, () => loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" }));
}

describe("the project's templates/ or files/ (a play's own tasks) the user cannot read", () => {
  it("permission denied at the task that names it, not 'not found'", async () => {
    const dir = tempProject({
      "inventory/i.yaml": INVENTORY,
      "playbooks/site.yaml": "- hosts: all\n  tasks:\n    - template: { src: motd.ejs, dest: /etc/motd }\n    - copy: { src: conf/app.ini, dest: /etc/app.ini }\n",
      "templates/motd.ejs": "hi\n",
      "files/conf/app.ini": "a=1\n",
    });
    locked.add(path.join(dir, "templates"));
    locked.add(path.join(dir, "files/conf"));
    expect(await problemLines(dir, () => loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" }))).toEqual([
      "playbooks/site.yaml:3:24: [0].tasks[0].template.src: template `motd.ejs`: cannot read templates/ (permission denied)",
      "playbooks/site.yaml:4:20: [0].tasks[1].copy.src: file `conf/app.ini`: cannot read files/conf/ (permission denied)",
    ]);
  });
});

describe("a roles/ directory or a role's directory the user cannot read", () => {
  it("roles/: permission denied, not 'role not found'", async () => {
    expect(await problemsWithLocked(["roles"])).toEqual([
      "playbooks/site.yaml:2:11: [0].roles[0]: role `app`: cannot read roles/ (permission denied)",
      "playbooks/site.yaml:4:11: [1].roles[0]: role `app` could not be loaded (see above)",
    ]);
  });

  it("the role's directory: permission denied, not 'has no tasks/main.yaml'", async () => {
    expect(await problemsWithLocked(["roles/app"])).toContain("playbooks/site.yaml:2:11: [0].roles[0]: role `app`: cannot read roles/app/ (permission denied)");
  });

  it("its handlers/ or templates/: permission denied, not a missing handler or template", async () => {
    expect(await problemsWithLocked(["roles/app/templates"])).toEqual([
      "playbooks/site.yaml:2:11: [0].roles[0]: role `app`: cannot read roles/app/templates/ (permission denied)",
    ]);
    expect(await problemsWithLocked(["roles/app/handlers"])).toEqual([
      "playbooks/site.yaml:2:11: [0].roles[0]: role `app`: cannot read roles/app/handlers/ (permission denied)",
    ]);
  });

  it("a role that is really missing is still 'not found'", async () => {
    expect(await projectProblems({ "playbooks/site.yaml": "- hosts: web\n  roles: [app]\n" })).toEqual([
      expect.stringMatching(/^playbooks\/site\.yaml:2:11: \[0\]\.roles\[0\]: role `app` not found \(no directory roles\/app\/ in /),
    ]);
  });

  it("with a real chmod 000: the built CLI, which the mode stops (as root, without the capabilities that bypass it)", async () => {
    const dir = tempProject({ "inventory/i.yaml": INVENTORY, ...ROLE_APP });
    chmodSync(path.join(dir, "roles"), 0o000);
    const asUser = process.getuid?.() === 0 ? ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"] : [];
    const [command, ...args] = [...asUser, process.execPath, BIN, "validate", "inventory/i.yaml"];
    try {
      const r = spawnSync(command!, args, { cwd: dir, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.split("\n")[0]).toBe("playbooks/site.yaml:2:11: [0].roles[0]: role `app`: cannot read roles/ (permission denied)");
    } finally {
      chmodSync(path.join(dir, "roles"), 0o755);
    }
  });
});
