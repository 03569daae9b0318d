// A copied directory tree against odd host states on the modules' lab host (web-01 of the test lab; login
// user `deploy`, root through sudo, over the project's ssh connection): what only a host shows — chattr on
// its file system, setuid bits through sudo's chown, entries of the wrong kind. Below its own scratch
// directory, removed before and after.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventory } from "../../src/config/inventory.js";
import { createConnectionEnv, openConnection } from "../../src/connection/open.js";
import type { Connection } from "../../src/connection/types.js";
import { runModuleStep, type StepOutcome } from "../../src/engine/module-step.js";
import type { Facts } from "../../src/facts/types.js";
import { copyModule } from "../../src/modules/copy.js";
import type { ApplyContext, PrepareContext } from "../../src/modules/types.js";
import { asRoot, ensureLab, testLabInventory } from "./support/lab.js";

const INVENTORY = testLabInventory();
const HOST = "web-01";
const BASE = "/opt/deploy-e2e-tree";

let conn: Connection;
let role: string;

const root = (command: string) => asRoot(conn, command);

function context(): ApplyContext & PrepareContext {
  return {
    hostName: HOST,
    facts: {} as Facts,
    vars: {},
    roleDir: role,
    secrets: new Set(),
    conn,
    run: (command, options = {}) => conn.exec(command, { ...options, become: true }),
    renderTemplate: () => Promise.reject(new Error("not used")),
    readRoleFile: (rel) => readFile(path.join(role, "files", rel)),
    roleFilePath: (rel) => path.join(role, "files", rel),
    once: (_key, make) => make(),
  };
}

function step(params: unknown, mode: "plan" | "apply"): Promise<StepOutcome> {
  return runModuleStep(copyModule, params, context(), mode);
}

beforeAll(async () => {
  await ensureLab(INVENTORY);
  const inventory = await loadInventory(path.resolve(INVENTORY));
  const host = inventory.hosts.get(HOST);
  if (!host) throw new Error(`${HOST} is not in ${INVENTORY}`);
  conn = await openConnection(host, inventory, await createConnectionEnv(process.env, { interactive: false }));
  await root(`chattr -R -i -a ${BASE} 2>/dev/null; rm -rf ${BASE} && mkdir -p ${BASE}`);
  role = mkdtempSync(path.join(tmpdir(), "deploy-e2e-tree-role-"));
  mkdirSync(path.join(role, "files", "tree", "sub"), { recursive: true });
  writeFileSync(path.join(role, "files", "tree", "a.txt"), "A\n");
  writeFileSync(path.join(role, "files", "tree", "l.txt"), "L\n");
  writeFileSync(path.join(role, "files", "tree", "sub", "b.txt"), "B\n");
  mkdirSync(path.join(role, "files", "bin"));
  writeFileSync(path.join(role, "files", "bin", "tool"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
}, 600_000);

afterAll(async () => {
  if (conn) {
    await root(`chattr -R -i -a ${BASE} 2>/dev/null; rm -rf ${BASE}`).catch(() => undefined);
    await conn.close();
  }
  if (role) rmSync(role, { recursive: true, force: true });
});

describe("copy of a directory tree on a lab host, against odd host states", () => {
  it("delete: a directory with entries and a link where the source has files: plan says they go, apply replaces them", async () => {
    const dest = `${BASE}/replace`;
    await root(`mkdir -p ${dest}/a.txt/x ${dest}/sub && touch ${dest}/a.txt/x/1 ${dest}/a.txt/2 && ln -s /etc/hosts ${dest}/l.txt`);
    expect((await step({ src: "tree", dest }, "plan")).plan).toEqual({
      kind: "fail",
      message: `${dest}: a.txt is a directory (3 entries below it), not a file; l.txt is a symbolic link, not a file (set delete: true to replace)`,
    });
    const { plan, applied } = await step({ src: "tree", dest, delete: true }, "apply");
    expect(plan.kind === "change" && plan.summary.split("\n")).toEqual([
      `${dest}: replace directory a.txt (3 entries below it) with a file, symbolic link l.txt with a file; create sub/b.txt`,
      `removed: ${dest}/a.txt/ (3 entries below it), replaced with a file`,
      `removed: ${dest}/l.txt (a symbolic link), replaced with a file`,
    ]);
    expect(applied).toEqual({ changed: true });
    expect(await root(`cat ${dest}/a.txt ${dest}/l.txt; stat -c %F ${dest}/l.txt; [ "$(cat /etc/hosts)" != L ] && echo hosts intact`)).toBe("A\nL\nregular file\nhosts intact\n");
    expect((await step({ src: "tree", dest, delete: true }, "plan")).plan).toEqual({ kind: "ok" });
  });

  it("an immutable or an append-only file fails the task before any change, in plan too", async () => {
    const dest = `${BASE}/locked`;
    expect((await step({ src: "tree", dest }, "apply")).applied).toEqual({ changed: true });
    await root(`echo x > ${dest}/a.txt && echo y > ${dest}/sub/b.txt && echo z > ${dest}/extra && chattr +i ${dest}/sub/b.txt`);
    const refused = await step({ src: "tree", dest, delete: true }, "apply");
    expect(refused.plan).toEqual({
      kind: "fail",
      message: `${dest}: cannot change sub/b.txt: not writable even for root: immutable (chattr +i) or on a read-only file system; nothing was changed`,
    });
    expect(await root(`cat ${dest}/a.txt ${dest}/extra; ls -A ${dest}`)).toBe("x\nz\na.txt\nextra\nl.txt\nsub\n");

    await root(`chattr -i ${dest}/sub/b.txt && chattr +a ${dest}/sub/b.txt`);
    const appendOnly = await step({ src: "tree", dest, delete: true }, "apply");
    expect(appendOnly.plan).toEqual({
      kind: "fail",
      message: `${dest}: cannot change sub/b.txt: append-only (chattr +a): it may be appended to, not replaced, removed or have its owner or mode changed; nothing was changed`,
    });
    expect((await step({ src: "tree", dest, delete: true }, "plan")).plan).toMatchObject({ kind: "fail" });
    // Nothing was written or removed, and no staging directory is left behind.
    expect(await root(`cat ${dest}/a.txt ${dest}/extra; ls -A ${dest}`)).toBe("x\nz\na.txt\nextra\nl.txt\nsub\n");
    await root(`chattr -a ${dest}/sub/b.txt`);
    expect((await step({ src: "tree", dest, delete: true }, "apply")).applied).toEqual({ changed: true });
    expect((await step({ src: "tree", dest, delete: true }, "plan")).plan).toEqual({ kind: "ok" });
  });

  it("modes: an existing file keeps its own unless mode is set; setuid with owner: survives the chown", async () => {
    const dest = `${BASE}/modes`;
    await step({ src: "tree", dest }, "apply");
    await root(`chmod 0640 ${dest}/a.txt ${dest}/l.txt && echo drift > ${dest}/a.txt`);
    const kept = await step({ src: "tree", dest }, "apply");
    expect(kept.plan).toMatchObject({ kind: "change", summary: `${dest}: update a.txt` });
    expect(await root(`stat -c %a ${dest}/a.txt ${dest}/l.txt`)).toBe("640\n640\n");

    const bin = `${BASE}/bin2`;
    const suid = await step({ src: "bin", dest: bin, mode: "4755", owner: "nobody" }, "apply");
    expect(suid.applied).toEqual({ changed: true });
    expect(await root(`stat -c '%a %U' ${bin}/tool`)).toBe("4755 nobody\n");
    expect((await step({ src: "bin", dest: bin, mode: "4755", owner: "nobody" }, "apply")).plan).toEqual({ kind: "ok" });
  });
});
