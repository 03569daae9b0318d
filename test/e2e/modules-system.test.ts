// The system modules on a real lab host (web-02, login user `deploy`, become root through sudo, over the
// project's ssh connection): apply -> changed, apply again -> ok, plan -> no change, plan of a differing
// state -> the right summary. Everything created here (packages, units, accounts, a sysctl.d file,
// scratch files) is removed before and after; the one kernel value touched is restored.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventory } from "../../src/config/inventory.js";
import { createConnectionEnv, openConnection } from "../../src/connection/open.js";
import type { Connection } from "../../src/connection/types.js";
import { decideStep, prepareStep, runModuleStep, type StepOutcome } from "../../src/engine/module-step.js";
import { buildProbeBatch } from "../../src/engine/probe-batch.js";
import { gatherFacts } from "../../src/facts/gather.js";
import type { Facts } from "../../src/facts/types.js";
import { commandModule } from "../../src/modules/command.js";
import { groupModule } from "../../src/modules/group.js";
import { packageModule } from "../../src/modules/package.js";
import { serviceModule } from "../../src/modules/service.js";
import { shellModule } from "../../src/modules/shell.js";
import { sysctlModule } from "../../src/modules/sysctl.js";
import type { ApplyContext, Module, PrepareContext } from "../../src/modules/types.js";
import { userModule } from "../../src/modules/user.js";
import { waitForModule } from "../../src/modules/wait_for.js";
import { quote } from "../../src/util/shell.js";
import { asRoot, ensureLab, testLabInventory } from "./support/lab.js";

const INVENTORY = testLabInventory();
const HOST = "web-02";
const SCRATCH = "/opt/deploy-e2e-system";
const PACKAGES = ["tree", "hello"];
const UNIT = "deploy-e2e";
const USER = "deploy-e2e-user";
const GROUP = "deploy-e2e-grp";
const SYSCTL_KEY = "net.ipv4.tcp_keepalive_time";
const SYSCTL_FILE = "/etc/sysctl.d/99-deploy-e2e.conf";
/** Like Debian's 99-sysctl.conf -> ../sysctl.conf, without touching the host's own. */
const SYSCTL_LINK = "/etc/sysctl.d/98-deploy-e2e-link.conf";
const SYSCTL_LINKED = "/etc/deploy-e2e-sysctl.conf";
const HTTP_PORT = 8099;

let conn: Connection;
let facts: Facts;
let sysctlBefore = "";

const root = (command: string) => asRoot(conn, command);

function context(secrets: string[] = []): ApplyContext & PrepareContext {
  return {
    hostName: HOST,
    facts,
    vars: {},
    secrets: new Set(secrets),
    conn,
    run: (command, options = {}) => conn.exec(command, { ...options, become: true }),
    renderTemplate: () => Promise.reject(new Error("no templates here")),
    readRoleFile: () => Promise.reject(new Error("no role files here")),
    roleFilePath: () => {
      throw new Error("no role files here");
    },
    once: (_key, make) => make(),
  };
}

function step<P, S>(module: Module<P, S>, params: unknown, mode: "plan" | "apply"): Promise<StepOutcome> {
  return runModuleStep(module, params, context(), mode);
}

/** apply -> changed; apply again -> ok; plan -> ok. */
async function converges<P, S>(module: Module<P, S>, params: unknown): Promise<StepOutcome> {
  const first = await step(module, params, "apply");
  expect(first.plan.kind).toBe("change");
  expect(first.applied?.failed).toBeUndefined();
  expect(first.applied?.changed).toBe(true);
  expect((await step(module, params, "apply")).plan.kind).toBe("ok");
  expect((await step(module, params, "plan")).plan.kind).toBe("ok");
  return first;
}

async function planOf<P, S>(module: Module<P, S>, params: unknown) {
  return (await step(module, params, "plan")).plan;
}

const UNIT_FILE = (description: string) => `[Unit]
Description=${description}

[Service]
ExecStart=/bin/sleep infinity

[Install]
WantedBy=multi-user.target
`;

// A tiny HTTP answer through socket activation: the lab hosts have no python, nc or web server.
const HTTP_HANDLER = `#!/bin/sh
while IFS= read -r line; do
  case $line in ''|"$(printf '\\r')") break ;; esac
done
printf 'HTTP/1.0 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\nok\\n'
`;

async function cleanup(): Promise<void> {
  await root(
    [
      `systemctl disable --now ${UNIT}.service deploy-e2e-http.socket deploy-e2e-broken.service >/dev/null 2>&1 || true`,
      `rm -f /etc/systemd/system/${UNIT}.service /etc/systemd/system/deploy-e2e-http.socket /etc/systemd/system/deploy-e2e-http@.service /etc/systemd/system/deploy-e2e-broken.service /usr/local/bin/deploy-e2e-http`,
      "systemctl daemon-reload",
      "systemctl reset-failed deploy-e2e-broken.service >/dev/null 2>&1 || true",
      `userdel -r ${USER} >/dev/null 2>&1 || true`,
      `groupdel ${GROUP} >/dev/null 2>&1 || true`,
      `rm -rf ${SCRATCH} ${SYSCTL_FILE} ${SYSCTL_LINK} ${SYSCTL_LINKED} /home/${USER}`,
      `apt-mark unhold ${PACKAGES.join(" ")} >/dev/null 2>&1 || true`,
      `userdel ${USER}-other >/dev/null 2>&1 || true`,
      `groupdel ${GROUP}-other >/dev/null 2>&1 || true`,
      `DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ${PACKAGES.join(" ")} >/dev/null 2>&1 || true`,
    ].join("\n"),
  );
}

beforeAll(async () => {
  await ensureLab(INVENTORY);
  const inventory = await loadInventory(path.resolve(INVENTORY));
  const host = inventory.hosts.get(HOST);
  if (!host) throw new Error(`${HOST} is not in ${INVENTORY}`);
  conn = await openConnection(host, inventory, await createConnectionEnv(process.env, { interactive: false }));
  facts = await gatherFacts(conn);
  sysctlBefore = (await root(`cat /proc/sys/${SYSCTL_KEY.replace(/\./g, "/")}`)).trim();
  await cleanup();
  await root(`mkdir -p ${SCRATCH}`);
}, 600_000);

afterAll(async () => {
  if (!conn) return;
  await cleanup().catch(() => undefined);
  if (sysctlBefore) await root(`echo ${quote(sysctlBefore)} > /proc/sys/${SYSCTL_KEY.replace(/\./g, "/")}`).catch(() => undefined);
  await conn.close();
}, 120_000);

describe("package (apt) on a lab host", () => {
  it("installs several packages with one call, converges, and shows drift", async () => {
    expect(facts.packageManager).toBe("apt");
    const params = { name: PACKAGES };
    const first = await converges(packageModule, params);
    expect(first.plan).toMatchObject({ summary: expect.stringMatching(/(^|, )install tree, hello$/) });
    expect(await root("dpkg-query -W -f='${Status}\\n' tree hello")).toBe("install ok installed\ninstall ok installed\n");

    await root("DEBIAN_FRONTEND=noninteractive apt-get remove -y -q hello >/dev/null");
    expect(await planOf(packageModule, params)).toMatchObject({ kind: "change", summary: "install hello" });
    await converges(packageModule, params);
  }, 300_000);

  it("latest with update_cache refreshes stale lists, and only then", async () => {
    const stale = await step(packageModule, { name: "tree", state: "latest", update_cache: true, cache_valid_time: 0 }, "apply");
    expect(stale.plan).toMatchObject({ kind: "change", summary: expect.stringMatching(/^refresh apt lists \(lists are \d+(s|min|h|d) old\), then upgrade what has a newer version$/) });
    expect(stale.applied).toEqual({ changed: false, summary: "apt lists refreshed; nothing to upgrade" });
    expect(await planOf(packageModule, { name: "tree", state: "latest", update_cache: true, cache_valid_time: 3600 })).toEqual({ kind: "ok" });
  }, 300_000);

  it("absent removes them; an unknown package fails after one refresh", async () => {
    const gone = await converges(packageModule, { name: PACKAGES, state: "absent" });
    expect(gone.plan).toMatchObject({ summary: "remove tree, hello" });
    const unknown = await step(packageModule, { name: "no-such-package-deploy-e2e" }, "apply");
    expect(unknown.plan).toMatchObject({ summary: "refresh apt lists (no candidate for no-such-package-deploy-e2e), install no-such-package-deploy-e2e" });
    expect(unknown.applied).toEqual({ changed: false, failed: "no installation candidate for no-such-package-deploy-e2e after refreshing the apt lists" });
  }, 300_000);
});

describe("changes certain to fail are said at plan and refused before apply changes anything", () => {
  it("package: a held package is not installed, upgraded or pinned; plan says why", async () => {
    await root("apt-mark hold tree >/dev/null");
    // What the task would meet: apt-get -y refuses a held package.
    expect(await root("DEBIAN_FRONTEND=noninteractive apt-get install -y -q tree 2>&1 >/dev/null | grep -c 'Held packages were changed' || true")).toBe("1\n");
    const reason = "tree is held (apt-mark hold): apt-get would refuse to change it; run apt-mark unhold first, or ask for the held version";
    expect(await planOf(packageModule, { name: ["tree", "hello"] })).toEqual({ kind: "blocked", reason });
    expect((await step(packageModule, { name: ["tree", "hello"] }, "apply")).applied).toEqual({ changed: false, failed: reason });
    // hello was not installed either: the task changed nothing.
    expect(await root("dpkg-query -W -f='${db:Status-Abbrev}\\n' tree hello 2>/dev/null || true")).not.toMatch(/ii/);
    await root("apt-mark unhold tree >/dev/null");
  }, 300_000);

  it("user and group: a taken uid or gid, a group in the way of a new user's own, a primary group removed", async () => {
    await root(`groupadd -g 4250 ${GROUP}-other && useradd -M -u 4251 -g ${GROUP}-other ${USER}-other`);
    expect(await planOf(groupModule, { name: GROUP, gid: 4250 })).toEqual({
      kind: "blocked",
      reason: `group ${GROUP}: gid 4250 is taken by group ${GROUP}-other (groupadd and groupmod refuse a gid in use)`,
    });
    expect((await step(userModule, { name: USER, uid: 4251, group: `${GROUP}-other` }, "apply")).applied).toEqual({
      changed: false,
      failed: `user ${USER}: uid 4251 is taken by user ${USER}-other (useradd and usermod refuse a uid in use)`,
    });
    await root(`groupadd ${USER}`);
    expect(await planOf(userModule, { name: USER })).toMatchObject({ kind: "blocked", reason: expect.stringContaining(`group ${USER} (gid `) });
    expect(await root(`useradd -M ${USER} 2>&1; getent passwd ${USER} || echo no-user`)).toMatch(/group .* exists[\s\S]*no-user\n$/);
    await root(`groupdel ${USER}`);
    expect((await step(groupModule, { name: `${GROUP}-other`, state: "absent" }, "apply")).applied).toEqual({
      changed: false,
      failed: `group ${GROUP}-other is the primary group of user ${USER}-other (groupdel refuses): remove that user or give it another group first`,
    });
    expect(await root(`getent group ${GROUP}-other | cut -d: -f3`)).toBe("4250\n");
    await root(`userdel ${USER}-other`);
    await converges(groupModule, { name: `${GROUP}-other`, state: "absent" });
  });
});

describe("service (systemd) on a lab host", () => {
  it("a unit that is not installed blocks; stopping it is already done", async () => {
    expect(await planOf(serviceModule, { name: UNIT, state: "started" })).toEqual({ kind: "blocked", reason: `unit ${UNIT}.service is not installed` });
    expect(await planOf(serviceModule, { name: UNIT, state: "stopped" })).toMatchObject({ kind: "ok" });
  });

  it("start + enable converge; a changed unit file is daemon-reloaded; restarts always act", async () => {
    await conn.put(`/etc/systemd/system/${UNIT}.service`, UNIT_FILE("deploy e2e"), { become: true });
    const params = { name: UNIT, state: "started", enabled: true };
    const first = await converges(serviceModule, params);
    expect(first.plan).toMatchObject({ summary: `${UNIT}.service: start, enable at boot` });
    expect(await root(`systemctl is-active ${UNIT}; systemctl is-enabled ${UNIT}`)).toBe("active\nenabled\n");

    await conn.put(`/etc/systemd/system/${UNIT}.service`, UNIT_FILE("deploy e2e, edited"), { become: true });
    expect(await planOf(serviceModule, params)).toMatchObject({ kind: "change", summary: `${UNIT}.service: daemon-reload (unit file changed)` });
    await converges(serviceModule, params);
    expect(await root(`systemctl show -p Description --value ${UNIT}`)).toBe("deploy e2e, edited\n");

    const pid = await root(`systemctl show -p MainPID --value ${UNIT}`);
    const restart = await step(serviceModule, { name: UNIT, state: "restarted" }, "apply");
    expect(restart.plan).toMatchObject({ summary: `${UNIT}.service: restart` });
    expect(restart.applied).toEqual({ changed: true });
    expect(await root(`systemctl show -p MainPID --value ${UNIT}`)).not.toBe(pid);
    expect((await step(serviceModule, { name: UNIT, state: "restarted" }, "plan")).plan.kind).toBe("change");

    await root(`systemctl stop ${UNIT}`);
    expect(await planOf(serviceModule, params)).toMatchObject({ kind: "change", summary: `${UNIT}.service: start` });
    expect(await root(`systemctl is-active ${UNIT} || true`)).toBe("inactive\n"); // plan changed nothing

    const off = await converges(serviceModule, { name: UNIT, state: "stopped", enabled: false });
    expect(off.plan).toMatchObject({ summary: `${UNIT}.service: disable at boot` });

    // Enabled until the next reboot only (links under /run): not what enabled: true means.
    await root(`systemctl enable --runtime ${UNIT} 2>/dev/null`);
    expect(await root(`systemctl is-enabled ${UNIT} || true`)).toBe("enabled-runtime\n");
    const persistent = await converges(serviceModule, { name: UNIT, enabled: true });
    expect(persistent.plan).toMatchObject({ summary: `${UNIT}.service: enable at boot (enabled only until reboot now: enabled-runtime)` });
    expect(await root(`systemctl is-enabled ${UNIT}; ls /etc/systemd/system/multi-user.target.wants/ | grep -c '^${UNIT}.service$'`)).toBe("enabled\n1\n");
    await root(`systemctl disable --runtime ${UNIT} 2>/dev/null; systemctl disable ${UNIT} 2>/dev/null`);
  }, 120_000);

  it("a unit that fails to start fails the task with its journal; its fixed file is picked up", async () => {
    const broken = "/etc/systemd/system/deploy-e2e-broken.service";
    await conn.put(broken, "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo broken-config-line-7 >&2; exit 3'\n", { become: true });
    const result = await step(serviceModule, { name: "deploy-e2e-broken", state: "started" }, "apply");
    expect(result.plan).toEqual({ kind: "change", summary: "deploy-e2e-broken.service: start", detail: ["start"] });
    expect(result.applied?.failed).toMatch(/^systemctl failed for deploy-e2e-broken\.service: .*broken-config-line-7/);

    // systemd keeps the failed unit cached after its file is gone; a new file is only seen after a reload.
    await root(`rm ${broken} && systemctl daemon-reload`);
    expect(await root("systemctl show -p LoadState,ActiveState --value deploy-e2e-broken.service")).toBe("not-found\nfailed\n");
    await conn.put(broken, "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n", { become: true });
    const fixed = await converges(serviceModule, { name: "deploy-e2e-broken", state: "started" });
    expect(fixed.plan).toMatchObject({ summary: "deploy-e2e-broken.service: daemon-reload (new unit file), start" });
  }, 60_000);
});

describe("group and user on a lab host", () => {
  it("group: create with gid, converge, gid drift", async () => {
    const params = { name: GROUP, gid: 4242 };
    expect((await converges(groupModule, params)).plan).toMatchObject({ summary: `create group ${GROUP} (gid 4242)` });
    await root(`groupmod -g 4300 ${GROUP}`);
    expect(await planOf(groupModule, params)).toEqual({ kind: "change", summary: `group ${GROUP}: gid 4300 -> 4242`, detail: { action: "gid", from: 4300 } });
    await converges(groupModule, params);
  });

  it("user: create, converge, drift in shell/groups/password, then remove", async () => {
    const hash = "$6$e2esalt$Zq0H3yTn1N5c0l9m7o5e2e.hash.not.a.real.one";
    const params = {
      name: USER,
      uid: 4243,
      group: GROUP,
      groups: ["www-data"],
      home: `/home/${USER}`,
      shell: "/bin/bash",
      comment: `It's "e2e" $(not run)`,
      password: hash,
    };
    const first = await converges(userModule, params);
    expect(first.plan).toMatchObject({
      summary: `create user ${USER} (uid 4243, group ${GROUP}, groups www-data, home /home/${USER}, shell /bin/bash, password)`,
    });
    expect(await root(`getent passwd ${USER}`)).toBe(`${USER}:x:4243:4242:It's "e2e" $(not run):/home/${USER}:/bin/bash\n`);
    expect(await root(`id -nG ${USER}`)).toBe(`${GROUP} www-data\n`);
    expect(await root(`test -d /home/${USER} && getent shadow ${USER} | cut -d: -f2`)).toBe(`${hash}\n`);

    await root(`usermod -s /bin/sh -G users -p x ${USER}`);
    const drift = await planOf(userModule, params);
    expect(drift).toMatchObject({ kind: "change", summary: `user ${USER}: groups +www-data -users, shell /bin/sh -> /bin/bash, password` });
    expect(drift.kind === "change" ? drift.summary : "").not.toContain("$6$");
    await converges(userModule, params);

    expect(await planOf(userModule, { name: USER, groups: ["no-such-group-e2e"] })).toEqual({
      kind: "blocked",
      reason: `group no-such-group-e2e does not exist (needed by user ${USER})`,
    });
    const gone = await converges(userModule, { name: USER, state: "absent", remove: true });
    expect(gone.plan).toMatchObject({ summary: `remove user ${USER} and its home` });
    expect(await root(`test -e /home/${USER} && echo still-there || echo gone`)).toBe("gone\n");
    await converges(groupModule, { name: GROUP, state: "absent" });
  });

  it("user: a home left by another uid is refused at plan; given that uid it is taken over, with useradd's warning", async () => {
    await root(`mkdir -p /home/${USER} && chown 4299:4299 /home/${USER} && chmod 700 /home/${USER}`);
    expect(await planOf(userModule, { name: USER })).toMatchObject({ kind: "fail", message: expect.stringContaining(`/home/${USER} already exists, owned by uid 4299`) });
    const taken = await converges(userModule, { name: USER, uid: 4299 });
    expect(taken.applied?.summary).toContain("already exists");
    await converges(userModule, { name: USER, state: "absent", remove: true });
  });
});

describe("sysctl on a lab host", () => {
  it("sets the live value and persists it; drift in either shows up; absent removes the line", async () => {
    const wanted = sysctlBefore === "600" ? "650" : "600";
    const params = { name: SYSCTL_KEY, value: Number(wanted), sysctl_file: SYSCTL_FILE };
    const first = await converges(sysctlModule, params);
    expect(first.plan).toMatchObject({
      summary: `${SYSCTL_KEY} ${sysctlBefore} -> ${wanted}, persist in ${SYSCTL_FILE}`,
      diffs: [{ path: SYSCTL_FILE, before: "", after: `${SYSCTL_KEY} = ${wanted}\n` }],
    });
    expect(await root(`cat /proc/sys/net/ipv4/tcp_keepalive_time ${SYSCTL_FILE}`)).toBe(`${wanted}\n${SYSCTL_KEY} = ${wanted}\n`);

    await root(`echo 1234 > /proc/sys/net/ipv4/tcp_keepalive_time`);
    expect(await planOf(sysctlModule, params)).toMatchObject({ kind: "change", summary: `${SYSCTL_KEY} 1234 -> ${wanted}` });
    await converges(sysctlModule, params);

    const absent = await converges(sysctlModule, { name: SYSCTL_KEY, state: "absent", sysctl_file: SYSCTL_FILE });
    expect(absent.plan).toMatchObject({ summary: `remove ${SYSCTL_KEY} from ${SYSCTL_FILE}` });
    expect(await root(`cat ${SYSCTL_FILE}`)).toBe("");
  });

  it("a key the host cannot set live fails at plan and writes nothing; a linked file is written through", async () => {
    // The lab's /proc/sys is read-only outside net.* (as in most containers).
    const panic = { name: "kernel.panic", value: 10, sysctl_file: SYSCTL_LINKED };
    expect(await planOf(sysctlModule, panic)).toMatchObject({ kind: "fail", message: expect.stringContaining("/proc/sys is read-only") });
    expect((await step(sysctlModule, panic, "apply")).plan.kind).toBe("fail");
    expect(await root(`test -e ${SYSCTL_LINKED} && echo written || echo none`)).toBe("none\n");

    await root(`ln -s ../${SYSCTL_LINKED.slice("/etc/".length)} ${SYSCTL_LINK}`);
    const params = { name: SYSCTL_KEY, value: Number(sysctlBefore), sysctl_file: SYSCTL_LINK };
    expect((await converges(sysctlModule, params)).plan).toMatchObject({ summary: expect.stringContaining(`persist in ${SYSCTL_LINK} -> ${SYSCTL_LINKED}`) });
    expect(await root(`readlink ${SYSCTL_LINK}; cat ${SYSCTL_LINKED}`)).toBe(`../deploy-e2e-sysctl.conf\n${SYSCTL_KEY} = ${sysctlBefore}\n`);
  });
});

describe("command and shell on a lab host", () => {
  it("creates guard: runs once, then ok; removing the file makes it run again", async () => {
    const marker = `${SCRATCH}/made by shell`;
    const params = { cmd: `echo "built on $(hostname)" > ${quote(marker)}; echo done`, creates: marker };
    const first = await step(shellModule, params, "apply");
    expect(first.plan).toMatchObject({ kind: "change", summary: `run: ${params.cmd}` });
    expect(first.applied).toMatchObject({ changed: true, result: { rc: 0, stdout: "done" } });
    expect(await root(`cat ${quote(marker)}`)).toBe("built on web-02\n");
    expect((await step(shellModule, params, "apply")).plan).toEqual({ kind: "ok", summary: `${marker} exists` });
    expect(await planOf(shellModule, params)).toEqual({ kind: "ok", summary: `${marker} exists` });
    await root(`rm ${quote(marker)}`);
    expect(await planOf(shellModule, params)).toMatchObject({ kind: "change", summary: `run: ${params.cmd}` });
  });

  it("unless and removes guards", async () => {
    expect(await planOf(commandModule, { cmd: "touch /nonexistent-e2e", unless: "id deploy" })).toEqual({ kind: "ok", summary: "unless command succeeded" });
    expect(await planOf(commandModule, { cmd: "rm /nonexistent-e2e", removes: "/nonexistent-e2e" })).toEqual({ kind: "ok", summary: "/nonexistent-e2e does not exist" });
    expect((await planOf(commandModule, { cmd: "true", unless: "false" })).kind).toBe("change");
  });

  it("command passes hostile words literally; no guard means it always runs", async () => {
    const words = ["two words", "it's", 'say "hi"', "$(touch /tmp/pwned-e2e)", "a; touch /tmp/pwned-e2e", "$HOME"];
    const params = { argv: ["printf", "%s\\n", ...words] };
    const first = await step(commandModule, params, "apply");
    expect(first.applied).toMatchObject({ changed: true, result: { rc: 0, stdout_lines: words } });
    expect((await step(commandModule, params, "apply")).applied?.changed).toBe(true);
    expect(await root("test -e /tmp/pwned-e2e && echo pwned || echo clean")).toBe("clean\n");
  });

  it("chdir, stdin, failure and a remote timeout", async () => {
    const ran = await step(shellModule, { cmd: "pwd; tr a-z A-Z", chdir: SCRATCH, stdin: "quiet\n" }, "apply");
    expect(ran.applied).toMatchObject({ result: { stdout_lines: [SCRATCH, "QUIET"] } });
    const failed = await step(commandModule, { cmd: "ls /no/such/dir" }, "apply");
    expect(failed.applied).toMatchObject({ changed: true, failed: expect.stringMatching(/^rc=2: .*No such file or directory/), result: { rc: 2 } });
    const started = Date.now();
    const slow = await step(shellModule, { cmd: "sleep 30", timeout: 1 }, "apply");
    expect(slow.applied).toMatchObject({ failed: "timed out after 1s" });
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);
});

describe("wait_for on a lab host", () => {
  it("ports: sshd answers; a closed port is waited for until it opens", async () => {
    expect(await planOf(waitForModule, { port: 22 })).toEqual({ kind: "ok", summary: "port 22 on 127.0.0.1 answers" });
    await root("install -m 0755 /dev/stdin /usr/local/bin/deploy-e2e-http <<'EOF'\n" + HTTP_HANDLER + "EOF");
    await conn.put("/etc/systemd/system/deploy-e2e-http.socket", `[Socket]\nListenStream=127.0.0.1:${HTTP_PORT}\nAccept=yes\n`, { become: true });
    await conn.put("/etc/systemd/system/deploy-e2e-http@.service", "[Service]\nExecStart=/usr/local/bin/deploy-e2e-http\nStandardInput=socket\n", { become: true });
    await root("systemctl daemon-reload");

    const params = { port: HTTP_PORT, timeout: 30, sleep: 0.5 };
    expect(await planOf(waitForModule, params)).toMatchObject({ kind: "change", summary: expect.stringMatching(new RegExp(`^wait until port ${HTTP_PORT} on 127.0.0.1 answers \\(up to 30s; now: .+\\)$`)) });
    // Timers default to a 1 minute accuracy: without AccuracySec this would fire anywhere in that minute.
    await root("systemd-run --quiet --on-active=2 --timer-property=AccuracySec=100ms systemctl start deploy-e2e-http.socket");
    const waited = await step(waitForModule, params, "apply");
    expect(waited.applied).toMatchObject({ changed: false, summary: expect.stringMatching(new RegExp(`^port ${HTTP_PORT} on 127.0.0.1 answered after [1-9]\\d*s$`)) });
    expect(await planOf(waitForModule, params)).toMatchObject({ kind: "ok" });
  }, 60_000);

  it("urls without curl: the bash fallback gets the HTTP status", async () => {
    expect(await root("command -v curl wget || echo none")).toBe("none\n");
    const url = `http://127.0.0.1:${HTTP_PORT}/health`;
    expect(await planOf(waitForModule, { url })).toEqual({ kind: "ok", summary: `${url} answers` });
    expect(await planOf(waitForModule, { url, status_code: 204 })).toMatchObject({ kind: "change", summary: expect.stringContaining("now: HTTP 200") });
    const timedOut = await step(waitForModule, { url, status_code: 204, timeout: 2, sleep: 0.5 }, "apply");
    expect(timedOut.applied?.failed).toBe(`${url} did not answer within 2s (last: HTTP 200)`);
    // sshd's port answers with its banner: not HTTP, and said so (it was read as the status "HTTP Debian-2...").
    expect(await planOf(waitForModule, { url: "http://127.0.0.1:22/" })).toMatchObject({
      kind: "change",
      summary: expect.stringMatching(/now: answering, but not HTTP \(first bytes: "SSH-2\.0-OpenSSH_[^"]*"\)\)$/),
    });
  }, 60_000);

  it("state stopped waits until the port closes", async () => {
    await root("systemd-run --quiet --on-active=2 --timer-property=AccuracySec=100ms systemctl stop deploy-e2e-http.socket");
    const waited = await step(waitForModule, { port: HTTP_PORT, state: "stopped", timeout: 30, sleep: 0.5 }, "apply");
    expect(waited.applied).toMatchObject({ changed: false, summary: expect.stringContaining("stopped answering after") });
  }, 60_000);
});

describe("probes batch", () => {
  it("the probes of a converged set of system tasks run in ONE round trip and all say ok", async () => {
    await converges(packageModule, { name: "tree" });
    await converges(groupModule, { name: GROUP });
    const tasks: [Module<unknown, unknown>, unknown][] = [
      [packageModule as Module<unknown, unknown>, { name: "tree" }],
      [serviceModule as Module<unknown, unknown>, { name: "ssh", state: "started", enabled: true }],
      [groupModule as Module<unknown, unknown>, { name: GROUP }],
      [userModule as Module<unknown, unknown>, { name: "deploy" }],
      [sysctlModule as Module<unknown, unknown>, { name: "net.ipv4.tcp_keepalive_time", state: "absent", sysctl_file: SYSCTL_FILE }],
      [shellModule as Module<unknown, unknown>, { cmd: "false", creates: "/etc/hostname" }],
      [waitForModule as Module<unknown, unknown>, { port: 22 }],
    ];
    const ctx = context();
    const prepared = await Promise.all(tasks.map(([m, p]) => prepareStep(m, p, ctx)));
    const batch = buildProbeBatch(prepared.map((p) => p.probe!));
    const before = conn.stats.roundTrips;
    const outputs = batch.parse((await conn.exec(batch.script, { become: true })).stdout);
    expect(conn.stats.roundTrips - before).toBe(1);
    expect(prepared.map((p, i) => [p.module.name, decideStep(p, outputs[i], ctx).kind])).toEqual(tasks.map(([m]) => [m.name, "ok"]));
  }, 300_000);
});
