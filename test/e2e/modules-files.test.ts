// The file modules on a real lab host (web-01, login user `deploy`, become root through sudo, over the
// project's ssh connection): apply -> changed, apply again -> ok, plan -> no change, plan of a drifted
// state -> the right summary and diff; validate failures leave the old file; backups are kept.
// Everything happens below one scratch directory on the host, removed before and after.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventory } from "../../src/config/inventory.js";
import { createConnectionEnv, openConnection } from "../../src/connection/open.js";
import type { Connection } from "../../src/connection/types.js";
import { decideStep, prepareStep, runModuleStep, type StepOutcome } from "../../src/engine/module-step.js";
import { buildProbeBatch } from "../../src/engine/probe-batch.js";
import type { Facts } from "../../src/facts/types.js";
import { copyModule } from "../../src/modules/copy.js";
import { fileModule } from "../../src/modules/file.js";
import { lineinfileModule } from "../../src/modules/lineinfile.js";
import { templateModule } from "../../src/modules/template.js";
import type { ApplyContext, Module, PrepareContext } from "../../src/modules/types.js";
import { renderTemplateFile } from "../../src/template/ejs.js";
import { quote } from "../../src/util/shell.js";
import { asRoot, ensureLab, testLabInventory } from "./support/lab.js";

const INVENTORY = testLabInventory();
const HOST = "web-01";
const BASE = "/opt/deploy-e2e-files";

let conn: Connection;
let role: string;

const root = (command: string) => asRoot(conn, command);

function context(vars: Record<string, unknown> = {}, secrets: string[] = []): ApplyContext & PrepareContext {
  return {
    hostName: HOST,
    facts: {} as Facts,
    vars,
    roleDir: role,
    secrets: new Set(secrets),
    conn,
    run: (command, options = {}) => conn.exec(command, { ...options, become: true }),
    renderTemplate: (rel, scope) => renderTemplateFile(path.join(role, "templates", rel), scope),
    readRoleFile: (rel) => readFile(path.join(role, "files", rel)),
    roleFilePath: (rel) => path.join(role, "files", rel),
    once: (_key, make) => make(),
  };
}

function step<P, S>(module: Module<P, S>, params: unknown, mode: "plan" | "apply", ctx = context()): Promise<StepOutcome> {
  return runModuleStep(module, params, ctx, mode);
}

/** apply -> changed; apply again -> ok; plan -> ok. */
async function converges<P, S>(module: Module<P, S>, params: unknown, ctx = context()): Promise<StepOutcome> {
  const first = await step(module, params, "apply", ctx);
  expect(first.plan.kind).toBe("change");
  expect(first.applied).toEqual({ changed: true });
  expect((await step(module, params, "apply", ctx)).plan).toEqual({ kind: "ok" });
  expect((await step(module, params, "plan", ctx)).plan).toEqual({ kind: "ok" });
  return first;
}

beforeAll(async () => {
  await ensureLab(INVENTORY);
  const inventory = await loadInventory(path.resolve(INVENTORY));
  const host = inventory.hosts.get(HOST);
  if (!host) throw new Error(`${HOST} is not in ${INVENTORY}`);
  conn = await openConnection(host, inventory, await createConnectionEnv(process.env, { interactive: false }));
  await root(`rm -rf ${BASE} && mkdir -p ${BASE}`);

  role = mkdtempSync(path.join(tmpdir(), "deploy-e2e-role-"));
  mkdirSync(path.join(role, "templates"));
  mkdirSync(path.join(role, "files", "site", "js"), { recursive: true });
  writeFileSync(path.join(role, "templates", "app.conf.ejs"), "listen <%- port %>;\nserver_name <%- host.name %>;\npassword <%- db_password %>;\n");
  writeFileSync(path.join(role, "files", "site", "index.html"), "<h1>hello</h1>\n");
  writeFileSync(path.join(role, "files", "site", "js", "app.js"), "console.log('hi')\n");
  writeFileSync(path.join(role, "files", "site", "run me.sh"), "#!/bin/sh\necho ok\n", { mode: 0o755 });
}, 600_000);

afterAll(async () => {
  if (conn) {
    await root(`rm -rf ${BASE}`).catch(() => undefined);
    await conn.close();
  }
  if (role) rmSync(role, { recursive: true, force: true });
});

describe("file on a lab host", () => {
  it("directory with owner and mode: converges; drift shows up in plan and is fixed", async () => {
    const dir = `${BASE}/data dir`;
    const params = { path: dir, state: "directory", owner: "www-data", group: "www-data", mode: "0750" };
    const first = await converges(fileModule, params);
    expect(first.plan).toMatchObject({ summary: `create directory ${dir} (owner www-data, group www-data, mode 0750)` });
    expect(await root(`stat -c '%U:%G %a' ${quote(dir)}`)).toBe("www-data:www-data 750\n");

    await root(`chmod 0700 ${quote(dir)}`);
    expect((await step(fileModule, params, "plan")).plan).toMatchObject({ kind: "change", summary: `${dir}: mode 0700 -> 0750` });
    expect(await root(`stat -c %a ${quote(dir)}`)).toBe("700\n"); // plan changed nothing
    await converges(fileModule, params);
  });

  it("recurse sets owner below the directory", async () => {
    const dir = `${BASE}/tree`;
    await root(`mkdir -p ${dir}/a && touch ${dir}/a/f ${dir}/g`);
    const params = { path: dir, state: "directory", owner: "nobody", recurse: true };
    const first = await converges(fileModule, params);
    expect(first.plan).toMatchObject({ summary: expect.stringContaining("owner/group of 3 entries below") });
    expect(await root(`stat -c %U ${dir}/a/f`)).toBe("nobody\n");
  });

  it("link, touch and absent", async () => {
    await converges(fileModule, { path: `${BASE}/current`, state: "link", src: `${BASE}/data dir` });
    expect(await root(`readlink ${BASE}/current`)).toBe(`${BASE}/data dir\n`);
    const retarget = await step(fileModule, { path: `${BASE}/current`, state: "link", src: `${BASE}/tree` }, "plan");
    expect(retarget.plan).toMatchObject({ kind: "change", summary: `retarget link ${BASE}/current: ${BASE}/data dir -> ${BASE}/tree` });

    await converges(fileModule, { path: `${BASE}/flag`, state: "touch", mode: "0600" });
    await converges(fileModule, { path: `${BASE}/flag`, state: "absent" });
    expect(await root(`test -e ${BASE}/flag && echo yes || echo no`)).toBe("no\n");
  });

  it("a user that does not exist yet blocks the task instead of failing the check", async () => {
    const { plan } = await step(fileModule, { path: `${BASE}/x`, state: "directory", owner: "no-such-user-e2e" }, "plan");
    expect(plan).toEqual({ kind: "blocked", reason: "user no-such-user-e2e does not exist" });
  });
});

describe("copy on a lab host", () => {
  it("inline content: converges, keeps a backup, shows the drift as a diff", async () => {
    const dest = `${BASE}/motd's "file"`;
    const params = { dest, content: "welcome\n", owner: "root", mode: "0644", backup: true };
    await converges(copyModule, params);
    expect(await root(`cat ${quote(dest)}`)).toBe("welcome\n");

    await root(`printf 'hacked\\n' > ${quote(dest)}`);
    const drift = await step(copyModule, params, "plan");
    expect(drift.plan).toMatchObject({ kind: "change", summary: `update ${dest}`, diffs: [{ path: dest, before: "hacked\n", after: "welcome\n" }] });
    expect((await step(copyModule, params, "apply")).applied).toEqual({ changed: true });
    expect(await root(`cat ${quote(dest)}`)).toBe("welcome\n");
    // One backup per rewrite that replaced an existing file: the drifted version is kept.
    expect(await root(`cat ${quote(BASE)}/motd*.bak`)).toBe("hacked\n");
  });

  it("validate failure leaves the old file and reports the validator's output", async () => {
    const dest = `${BASE}/sudoers-like`;
    await converges(copyModule, { dest, content: "good\n" });
    const bad = await step(copyModule, { dest, content: "bad\n", validate: "grep -q good %s || { echo 'parse error in line 1' >&2; exit 1; }" }, "apply");
    expect(bad.applied?.failed).toMatch(/validation failed, .* left unchanged: parse error in line 1/);
    expect(await root(`cat ${dest}`)).toBe("good\n");
    expect(await root(`ls -A ${BASE} | grep -c '^\\.deploy' || true`)).toBe("0\n"); // no staged file left behind
  });

  it("a directory tree: converges; only a changed file is rewritten; delete removes extras", async () => {
    const dest = `${BASE}/site`;
    await converges(copyModule, { src: "site", dest, owner: "www-data" });
    expect(await root(`stat -c '%U %a' ${dest}/js/app.js ${quote(`${dest}/run me.sh`)}`)).toBe("www-data 644\nwww-data 755\n");

    const inode = await root(`stat -c %i ${dest}/index.html`);
    await root(`echo "console.log('changed')" > ${dest}/js/app.js && touch ${dest}/stale.txt`);
    const plan = await step(copyModule, { src: "site", dest, owner: "www-data", delete: true }, "plan");
    expect(plan.plan).toMatchObject({
      kind: "change",
      summary: `${dest}: update js/app.js; remove stale.txt\nremoved: ${dest}/stale.txt`,
      diffs: [{ path: `${dest}/js/app.js`, before: "console.log('changed')\n", after: "console.log('hi')\n" }],
    });
    await step(copyModule, { src: "site", dest, owner: "www-data", delete: true }, "apply");
    expect((await step(copyModule, { src: "site", dest, owner: "www-data", delete: true }, "plan")).plan).toEqual({ kind: "ok" });
    expect(await root(`stat -c %i ${dest}/index.html`)).toBe(inode);
    expect(await root(`ls ${dest}`)).toBe("index.html\njs\nrun me.sh\n");
  });

  it("a missing parent directory blocks", async () => {
    const { plan } = await step(copyModule, { dest: `${BASE}/nope/x.conf`, content: "x" }, "plan");
    expect(plan).toEqual({ kind: "blocked", reason: `directory ${BASE}/nope does not exist` });
  });
});

describe("template on a lab host", () => {
  const vars = (port: number) => ({ port, host: { name: HOST }, db_password: "Sup3r-Secret" });

  it("renders, converges, and shows a redacted diff when a var changes", async () => {
    const dest = `${BASE}/app.conf`;
    const params = { src: "app.conf.ejs", dest, mode: "0640", backup: true };
    await converges(templateModule, params, context(vars(80), ["Sup3r-Secret"]));
    expect(await root(`cat ${dest}`)).toBe("listen 80;\nserver_name web-01;\npassword Sup3r-Secret;\n");
    expect(await root(`stat -c %a ${dest}`)).toBe("640\n");

    const changed = await step(templateModule, params, "plan", context(vars(8080), ["Sup3r-Secret"]));
    expect(changed.plan).toMatchObject({
      kind: "change",
      summary: `update ${dest}`,
      diffs: [
        {
          path: dest,
          before: "listen 80;\nserver_name web-01;\npassword <redacted>;\n",
          after: "listen 8080;\nserver_name web-01;\npassword <redacted>;\n",
        },
      ],
    });
    await step(templateModule, params, "apply", context(vars(8080), ["Sup3r-Secret"]));
    expect(await root(`cat ${dest}.*.bak`)).toBe("listen 80;\nserver_name web-01;\npassword Sup3r-Secret;\n");
    expect(await root(`stat -c %a ${dest}`)).toBe("640\n");
  });

  it("validate failure leaves the real file untouched", async () => {
    const dest = `${BASE}/validated.conf`;
    await root(`echo original > ${dest}`);
    const result = await step(templateModule, { src: "app.conf.ejs", dest, validate: "grep -q 'listen 443' %s" }, "apply", context(vars(80)));
    expect(result.applied?.failed).toMatch(/validation failed/);
    expect(await root(`cat ${dest}`)).toBe("original\n");
  });
});

describe("lineinfile on a lab host", () => {
  it("replaces by regexp, converges, and shows drift as a diff", async () => {
    const file = `${BASE}/my.cnf`;
    await root(`printf '[mysqld]\\nbind-address = 127.0.0.1\\nport = 3306\\n' > ${file}`);
    const params = { path: file, regexp: "^bind-address", line: "bind-address = 0.0.0.0", backup: true };
    const first = await converges(lineinfileModule, params);
    expect(first.plan).toMatchObject({ summary: `${file}: replace line 2` });
    expect(await root(`cat ${file}`)).toBe("[mysqld]\nbind-address = 0.0.0.0\nport = 3306\n");
    expect(await root(`cat ${file}.*.bak`)).toBe("[mysqld]\nbind-address = 127.0.0.1\nport = 3306\n");

    await root(`sed -i 's/0.0.0.0/10.0.0.1/' ${file}`);
    expect((await step(lineinfileModule, params, "plan")).plan).toMatchObject({
      kind: "change",
      diffs: [{ path: file, before: "[mysqld]\nbind-address = 10.0.0.1\nport = 3306\n", after: "[mysqld]\nbind-address = 0.0.0.0\nport = 3306\n" }],
    });
  });

  it("insertafter, create and absent", async () => {
    const file = `${BASE}/limits.conf`;
    await converges(lineinfileModule, { path: file, line: "* soft nofile 65536", create: true, mode: "0644" });
    await converges(lineinfileModule, { path: file, line: "# managed by deploy", insertbefore: "BOF" });
    expect(await root(`cat ${file}`)).toBe("# managed by deploy\n* soft nofile 65536\n");
    await converges(lineinfileModule, { path: file, regexp: "^#", state: "absent" });
    expect(await root(`cat ${file}`)).toBe("* soft nofile 65536\n");
  });

  it("a missing file blocks unless create is set", async () => {
    const { plan } = await step(lineinfileModule, { path: `${BASE}/absent.conf`, line: "x" }, "plan");
    expect(plan).toEqual({ kind: "blocked", reason: `file ${BASE}/absent.conf does not exist (create: true creates it)` });
  });
});

describe("unusual targets on a lab host", () => {
  it("copy and template onto a symbolic link to a directory replace the link, as the plan says; nothing lands inside", async () => {
    await root(`mkdir -p ${BASE}/real && ln -sfn ${BASE}/real ${BASE}/conf-link && ln -sfn ${BASE}/real ${BASE}/tmpl-link`);
    const first = await converges(copyModule, { dest: `${BASE}/conf-link`, content: "new\n" });
    expect(first.plan).toMatchObject({ summary: `replace symbolic link ${BASE}/conf-link with a file (4 B)` });
    await converges(templateModule, { src: "app.conf.ejs", dest: `${BASE}/tmpl-link` }, context({ port: 80, host: { name: HOST }, db_password: "x" }));
    expect(await root(`stat -c %F ${BASE}/conf-link ${BASE}/tmpl-link; ls -A ${BASE}/real | wc -l`)).toBe("regular file\nregular file\n0\n");
  });

  it("setuid survives: a rewrite keeps 4755, mode 4755 converges in one apply, an owner change keeps the bit", async () => {
    await root(`printf 'old\\n' > ${BASE}/suid1 && chmod 4755 ${BASE}/suid1 && printf 'old\\n' > ${BASE}/suid2 && chmod 0755 ${BASE}/suid2 && cp -p ${BASE}/suid1 ${BASE}/suid3`);
    await converges(copyModule, { dest: `${BASE}/suid1`, content: "#!/bin/sh\necho new\n" });
    await converges(copyModule, { dest: `${BASE}/suid2`, content: "#!/bin/sh\necho new\n", mode: "4755" });
    const owner = await converges(fileModule, { path: `${BASE}/suid3`, owner: "nobody" });
    expect(owner.plan).toMatchObject({ summary: `${BASE}/suid3: owner root -> nobody` });
    expect(await root(`stat -c '%a %U' ${BASE}/suid1 ${BASE}/suid2 ${BASE}/suid3`)).toBe("4755 root\n4755 root\n4755 nobody\n");
  });

  it("backup: a write refused by an immutable file leaves no backup behind, however often it is tried", async () => {
    const dest = `${BASE}/immutable`;
    await root(`echo old > ${dest} && chattr +i ${dest}`);
    try {
      for (let run = 0; run < 2; run++) {
        const result = await step(copyModule, { dest, content: "new\n", backup: true }, "apply");
        expect(result.applied?.failed).toMatch(/Operation not permitted/);
      }
      expect(await root(`ls -A ${BASE} | grep -c '^immutable\\..*\\.bak$\\|^\\.deploy' || true`)).toBe("0\n");
    } finally {
      await root(`chattr -i ${dest}`);
    }
  });

  it("file absent: an append-only log inside the directory fails the removal before rm takes anything", async () => {
    const dir = `${BASE}/old-release`;
    await root(`mkdir -p ${dir}/logs && echo a > ${dir}/a.txt && echo x > ${dir}/logs/app.log && chattr +a ${dir}/logs/app.log`);
    try {
      const refused = await step(fileModule, { path: dir, state: "absent" }, "apply");
      expect(refused.plan).toEqual({ kind: "fail", message: `cannot remove ${dir}: ${dir}/logs/app.log is append-only (chattr +a); nothing was changed` });
      expect(await root(`ls ${dir}`)).toBe("a.txt\nlogs\n");
    } finally {
      await root(`chattr -a ${dir}/logs/app.log`);
    }
    await converges(fileModule, { path: dir, state: "absent" });
  });

  it("file state directory below a file is blocked in plan; a link to a directory is named with its target", async () => {
    await root(`echo x > ${BASE}/afile && mkdir -p ${BASE}/real && ln -sfn ${BASE}/real ${BASE}/dir-link`);
    expect((await step(fileModule, { path: `${BASE}/afile/sub`, state: "directory" }, "plan")).plan).toEqual({ kind: "blocked", reason: `${BASE}/afile is not a directory` });
    expect((await step(fileModule, { path: `${BASE}/dir-link`, state: "directory" }, "plan")).plan).toEqual({
      kind: "fail",
      message: `${BASE}/dir-link is a symbolic link to ${BASE}/real, not a directory`,
    });
  });
});

describe("probes batched as the engine sends them", () => {
  it("one round trip checks every file module, with the same plans as one probe each", async () => {
    const ctx = context({ port: 80, host: { name: HOST }, db_password: "x" });
    const tasks: Array<[Module<unknown, unknown>, unknown]> = [
      [fileModule as Module<unknown, unknown>, { path: `${BASE}/data dir`, state: "directory", owner: "www-data", group: "www-data", mode: "0750" }],
      [copyModule as Module<unknown, unknown>, { src: "site", dest: `${BASE}/site`, owner: "www-data" }],
      [copyModule as Module<unknown, unknown>, { dest: `${BASE}/batched new`, content: "new\n" }],
      [templateModule as Module<unknown, unknown>, { src: "app.conf.ejs", dest: `${BASE}/batched.conf` }],
      [lineinfileModule as Module<unknown, unknown>, { path: `${BASE}/my.cnf`, line: "port = 3306" }],
    ];
    const prepared = await Promise.all(tasks.map(([module, params]) => prepareStep(module, params, ctx)));
    const batch = buildProbeBatch(prepared.map((p) => p.probe!));
    const before = conn.stats.roundTrips;
    const result = await conn.exec(batch.script, { become: true });
    expect(conn.stats.roundTrips - before).toBe(1);
    const plans = batch.parse(result.stdout).map((observed, i) => decideStep(prepared[i]!, observed, ctx));
    const single = await Promise.all(tasks.map(async ([module, params]) => (await step(module, params, "plan", ctx)).plan));
    expect(plans).toEqual(single);
    expect(plans.map((p) => p.kind)).toEqual(["ok", "ok", "change", "change", "ok"]);
  });
});
