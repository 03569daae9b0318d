import { afterEach, describe, expect, it } from "vitest";
import { raw } from "../../../src/util/shell.js";
import { parseUnitState, serviceActions, serviceApplyScript, serviceModule, serviceSchema, unitName, type UnitState } from "../../../src/modules/service.js";
import { StubShell, taskContext } from "./stub-shell.js";

const ctx = taskContext();
let shell: StubShell | undefined;
afterEach(() => {
  shell?.cleanup();
  shell = undefined;
});

function show(state: Partial<UnitState> = {}): string {
  const s: UnitState = { loadState: "loaded", activeState: "active", unitFileState: "enabled", needDaemonReload: false, fragmentPath: "/lib/systemd/system/nginx.service", fileOnDisk: false, ...state };
  // As the engine's unit lookup answers: systemctl's properties in the probe protocol.
  return `#deploy:LoadState ${s.loadState}\n#deploy:ActiveState ${s.activeState}\n#deploy:UnitFileState ${s.unitFileState}\n#deploy:NeedDaemonReload ${s.needDaemonReload ? "yes" : "no"}\n#deploy:FragmentPath ${s.fragmentPath}\n`;
}

function decide(params: Record<string, unknown>, output: string, context = ctx) {
  return serviceModule.decide(serviceSchema.parse(params), undefined, { exitCode: 0, output }, context);
}

describe("service schema", () => {
  it("needs something to do and a plain unit name", () => {
    expect(serviceSchema.safeParse({ name: "nginx" }).success).toBe(false);
    expect(serviceSchema.safeParse({ name: "nginx; reboot", state: "started" }).success).toBe(false);
    expect(serviceSchema.safeParse({ name: "getty@tty1", state: "started" }).success).toBe(true);
    expect(serviceSchema.safeParse({ name: "nginx", state: "running" }).success).toBe(false);
  });

  it("adds .service only when the name has no unit type", () => {
    expect(unitName("nginx")).toBe("nginx.service");
    expect(unitName("apt-daily.timer")).toBe("apt-daily.timer");
    expect(unitName("php8.2-fpm")).toBe("php8.2-fpm.service");
  });
});

describe("decide", () => {
  it.each([
    [{ state: "started" }, {}, { kind: "ok" }],
    [{ state: "started" }, { activeState: "inactive" }, { kind: "change", summary: "nginx.service: start" }],
    [{ state: "started" }, { activeState: "failed" }, { kind: "change", summary: "nginx.service: start" }],
    [{ state: "started" }, { activeState: "activating" }, { kind: "ok" }],
    [{ state: "stopped" }, {}, { kind: "change", summary: "nginx.service: stop" }],
    [{ state: "stopped" }, { activeState: "failed" }, { kind: "ok" }],
    [{ state: "restarted" }, {}, { kind: "change", summary: "nginx.service: restart" }],
    [{ state: "reloaded" }, {}, { kind: "change", summary: "nginx.service: reload" }],
    [{ state: "reloaded" }, { activeState: "inactive" }, { kind: "change", summary: "nginx.service: start" }],
    [{ enabled: true }, { unitFileState: "disabled" }, { kind: "change", summary: "nginx.service: enable at boot" }],
    [{ enabled: true }, { unitFileState: "static" }, { kind: "ok" }],
    [{ enabled: true }, { unitFileState: "enabled-runtime" }, { kind: "change", summary: "nginx.service: enable at boot (enabled only until reboot now: enabled-runtime)" }],
    [{ enabled: false }, {}, { kind: "change", summary: "nginx.service: disable at boot" }],
    [{ enabled: false }, { unitFileState: "static" }, { kind: "ok" }],
    [{ state: "started", enabled: true }, { activeState: "inactive", unitFileState: "disabled" }, { kind: "change", summary: "nginx.service: start, enable at boot" }],
    [{ state: "started" }, { needDaemonReload: true }, { kind: "change", summary: "nginx.service: daemon-reload (unit file changed)" }],
    [{ state: "started" }, { needDaemonReload: true, activeState: "inactive" }, { kind: "change", summary: "nginx.service: daemon-reload (unit file changed), start" }],
    [{ state: "started", daemon_reload: true }, {}, { kind: "ok" }],
    [{ state: "restarted", daemon_reload: true }, {}, { kind: "change", summary: "nginx.service: daemon-reload, restart" }],
  ])("%j on %j", (params, state, plan) => {
    expect(decide({ name: "nginx", ...params }, show(state))).toMatchObject(plan);
  });

  it("a unit that is not installed blocks starting, but is already stopped", () => {
    const notFound = show({ loadState: "not-found", activeState: "inactive", unitFileState: "", fragmentPath: "" });
    expect(decide({ name: "nginx", state: "started" }, notFound)).toEqual({ kind: "blocked", reason: "unit nginx.service is not installed" });
    expect(decide({ name: "nginx", enabled: true }, notFound)).toEqual({ kind: "blocked", reason: "unit nginx.service is not installed" });
    expect(decide({ name: "nginx", state: "stopped", enabled: false }, notFound)).toEqual({ kind: "ok", summary: "nginx.service is not installed" });
  });

  it("a unit file systemd has not read yet (cached as not-found or broken) is reloaded first", () => {
    for (const loadState of ["not-found", "error"]) {
      const cached = show({ loadState, activeState: "failed", unitFileState: "", fragmentPath: "" }) + "#deploy:unit-file\n";
      expect(decide({ name: "nginx", state: "started", enabled: true }, cached)).toMatchObject({
        kind: "change",
        summary: "nginx.service: daemon-reload (new unit file), start, enable at boot",
        detail: ["daemon-reload", "start", "enable"],
      });
    }
  });

  it("a masked unit cannot be started", () => {
    expect(decide({ name: "nginx", state: "started" }, show({ loadState: "masked", activeState: "inactive", unitFileState: "masked" }))).toEqual({
      kind: "fail",
      message: "unit nginx.service is masked",
    });
  });

  it("other init systems and hosts without systemctl fail clearly", () => {
    expect(decide({ name: "nginx", state: "started" }, show(), taskContext({ init: "openrc" }))).toMatchObject({ kind: "fail", message: expect.stringContaining("openrc") });
    expect(decide({ name: "nginx", state: "started" }, "#deploy:no-systemctl\n")).toMatchObject({ kind: "fail" });
  });

  it("parses systemctl show amid noise", () => {
    expect(parseUnitState(`Warning: something\n${show({ needDaemonReload: true })}`)).toMatchObject({ loadState: "loaded", needDaemonReload: true });
  });
});

describe("scripts on a stubbed host", () => {
  it("the probe looks for a template's unit file on disk", async () => {
    shell = new StubShell({ systemctl: "printf 'LoadState=not-found\\nActiveState=inactive\\n'" });
    const probe = serviceModule.probe(serviceSchema.parse({ name: "app@blue", state: "started" }), undefined, ctx)!;
    const [lookup] = probe.lookups!;
    expect(lookup?.kind === "unit" && lookup.files).toContain("/etc/systemd/system/app@.service");
    expect((await shell.probe(probe))!.output).not.toContain("#deploy:unit-file");
    // Point one of the searched paths at a file that exists here: the probe must notice it.
    const files = lookup?.kind === "unit" ? lookup.files.map((f) => f.replace("/etc/systemd/system/app@.service", `${shell!.dir}/calls`)) : [];
    const local = { lookups: [{ kind: "unit" as const, name: "app@blue.service", files }] };
    expect((await shell.probe(local))!.output).toContain("#deploy:unit-file");
  });

  it("the probe asks systemctl about exactly the unit", async () => {
    shell = new StubShell({ systemctl: `printf 'LoadState=loaded\\nActiveState=inactive\\nUnitFileState=enabled\\nNeedDaemonReload=no\\nFragmentPath=/x\\n'` });
    const params = serviceSchema.parse({ name: "app@a\\x2db", state: "started" });
    const plan = serviceModule.decide(params, undefined, await shell.probe(serviceModule.probe(params, undefined, ctx)), ctx);
    expect(plan).toMatchObject({ kind: "change", summary: "app@a\\x2db.service: start" });
    expect(shell.calls()).toEqual([
      { tool: "systemctl", args: ["show", "-p", "LoadState,ActiveState,UnitFileState,NeedDaemonReload,FragmentPath", "--", "app@a\\x2db.service"] },
    ]);
  });

  it("apply runs daemon-reload first, then the actions, in one script", async () => {
    shell = new StubShell({ systemctl: '[ "$1" = is-failed ] && exit 1; exit 0' });
    const params = serviceSchema.parse({ name: "nginx", state: "started", enabled: true });
    const plan = decide({ name: "nginx", state: "started", enabled: true }, show({ needDaemonReload: true, activeState: "inactive", unitFileState: "disabled" }));
    if (plan.kind !== "change") throw new Error("expected a change");
    expect(await serviceModule.apply(params, undefined, plan, shell.context())).toEqual({ changed: true });
    expect(shell.calls().map((c) => c.args)).toEqual([
      ["daemon-reload"],
      ["is-failed", "--quiet", "--", "nginx.service"],
      ["start", "--", "nginx.service"],
      ["enable", "--", "nginx.service"],
      ["is-failed", "--quiet", "--", "nginx.service"],
    ]);
  });

  it("a unit that fails as it starts (its program cannot run) fails the task, with its result and journal", async () => {
    shell = new StubShell({
      systemctl: `case $1 in is-failed) exit 0 ;; show) echo exit-code ;; esac; exit 0`,
      journalctl: "echo 'rttest.service: Failed at step EXEC spawning /nonexistent/binary: No such file or directory'",
    });
    const params = serviceSchema.parse({ name: "rttest", state: "started" });
    const applied = await serviceModule.apply(params, undefined, { kind: "change", summary: "", detail: ["start"] }, shell.context());
    expect(applied.changed).toBe(false);
    expect(applied.failed).toMatch(/^systemctl failed for rttest.service: .*Failed at step EXEC.* \/ rttest.service failed as it started \(Result=exit-code\)$/);
  });

  it("a failing start stops there and fails with the unit's journal", async () => {
    shell = new StubShell({
      systemctl: `[ "$1" = start ] && { echo "Job for nginx.service failed." >&2; exit 1; }; exit 0`,
      journalctl: "echo 'nginx: [emerg] unknown directive \"sever\"'",
    });
    const result = await shell.run(serviceApplyScript("nginx.service", ["start", "enable"]));
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('unknown directive "sever"');
    expect(shell.calls().map((c) => `${c.tool} ${c.args.join(" ")}`)).toEqual([
      "systemctl is-failed --quiet -- nginx.service",
      "systemctl reset-failed -- nginx.service",
      "systemctl start -- nginx.service",
      "journalctl -u nginx.service -n 8 --no-pager -o cat",
    ]);
    const params = serviceSchema.parse({ name: "nginx", state: "started", enabled: true });
    const applied = await serviceModule.apply(params, undefined, { kind: "change", summary: "", detail: ["start"] }, shell.context());
    expect(applied.failed).toMatch(/^systemctl failed for nginx.service: Job for nginx.service failed\. \/ nginx: \[emerg\]/);
  });

  it("a failed unit is let out of systemd's start limit before it is started (reset-failed), a healthy one is not", async () => {
    shell = new StubShell({ systemctl: `case $1 in is-failed) [ -e "$0.failed" ] && { rm "$0.failed"; exit 0; }; exit 1 ;; esac; exit 0` });
    const failed = await shell.run(raw(`: > "$(command -v systemctl).failed"\n${serviceApplyScript("haproxy.service", ["start"]).text}`));
    expect(failed.exitCode).toBe(0);
    expect(shell.calls().map((c) => `${c.tool} ${c.args.join(" ")}`)).toEqual([
      "systemctl is-failed --quiet -- haproxy.service",
      "systemctl reset-failed -- haproxy.service",
      "systemctl start -- haproxy.service",
      "systemctl is-failed --quiet -- haproxy.service",
    ]);
  });

  it("serviceActions never touches a unit that already matches", () => {
    const state = parseUnitState(show())!;
    expect(serviceActions(serviceSchema.parse({ name: "nginx", state: "started", enabled: true }), state)).toEqual([]);
  });
});
