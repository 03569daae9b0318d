// roles/app/files/restart-if-changed on a real POSIX shell, with a stand-in systemctl that logs its
// arguments: the app and Nginx restart (reload) when a file they run changed since their last restart,
// whether that change was made by this run or by an earlier one that failed before restarting them.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../modules/file-support.js";

const script = resolve("roles/app/files/restart-if-changed");

describe("restart-if-changed", () => {
  let dir: string;
  let cleanup: () => void;
  let app: string;
  let config: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    mkdirSync(join(dir, "bin"));
    // systemctl: `show` answers NeedDaemonReload from $NEED_RELOAD; everything else is logged; $FAIL fails it.
    writeFileSync(
      join(dir, "bin/systemctl"),
      `#!/bin/sh\nif [ "$1" = show ]; then echo "\${NEED_RELOAD:-no}"; exit 0; fi\necho "$*" >> "${dir}/systemctl.log"\n[ -z "\${FAIL:-}" ] || exit 1\n`,
    );
    chmodSync(join(dir, "bin/systemctl"), 0o755);
    app = join(dir, "opt/app");
    mkdirSync(join(app, "node_modules/x"), { recursive: true });
    writeFileSync(join(app, "server.js"), "1");
    writeFileSync(join(app, "node_modules/x/index.js"), "1");
    config = join(dir, "config.json");
    writeFileSync(config, "{}");
  });
  afterEach(() => cleanup());

  const run = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync("sh", [script, ...args], {
      env: { PATH: `${dir}/bin:${process.env["PATH"] ?? "/usr/bin:/bin"}`, RESTART_IF_CHANGED_DIR: join(dir, "state"), ...env },
      encoding: "utf8",
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const log = () => (existsSync(join(dir, "systemctl.log")) ? readFileSync(join(dir, "systemctl.log"), "utf8") : "");
  const current = () => run(["check", "app.service"]).code === 0;
  // ctime has the kernel's coarse clock: a change in the same tick as the record would look older.
  const tick = () => new Promise((r) => setTimeout(r, 20));

  it("before any restart it is not current; a restart records the paths and then it is", () => {
    expect(current()).toBe(false);
    expect(run(["restart", "app.service", app, config])).toMatchObject({ code: 0, stdout: "app.service restarted\n" });
    expect(log()).toBe("restart -- app.service\n");
    expect(readFileSync(join(dir, "state/app.service"), "utf8")).toBe(`${app}\n${config}\n`);
    expect(current()).toBe(true);
  });

  it("a change to a file, a file deep in a directory, a rename into place or a chmod makes it stale until the next restart", async () => {
    const changes: Array<() => void> = [
      () => writeFileSync(config, '{"port": 3001}'),
      () => writeFileSync(join(app, "node_modules/x/index.js"), "2"),
      () => {
        writeFileSync(join(dir, "staged"), "3");
        renameSync(join(dir, "staged"), join(app, "server.js"));
      },
      () => chmodSync(config, 0o640),
      () => rmSync(join(app, "node_modules/x/index.js")),
    ];
    for (const change of changes) {
      run(["restart", "app.service", app, config]);
      expect(current()).toBe(true);
      await tick();
      change();
      expect(current(), String(change)).toBe(false);
      // Still stale on the next check: nothing but a restart clears it (a failed run does not).
      expect(current()).toBe(false);
    }
  });

  it("a staged file created and removed beside a config (a validation that failed) changes nothing it runs", async () => {
    run(["restart", "app.service", app, config]);
    await tick();
    writeFileSync(join(app, ".deploy.staged"), "x");
    rmSync(join(app, ".deploy.staged"));
    mkdirSync(join(app, "empty-dir"));
    expect(current()).toBe(true);
    // A file added is a change.
    writeFileSync(join(app, "new.js"), "1");
    expect(current()).toBe(false);
  });

  it("a path gone is stale", () => {
    run(["restart", "app.service", app, config]);
    rmSync(config);
    expect(current()).toBe(false);
  });

  it("a failed restart keeps the old record: the next check still says stale", async () => {
    run(["restart", "app.service", app, config]);
    await tick();
    writeFileSync(config, '{"port": 3001}');
    expect(run(["restart", "app.service", app, config], { FAIL: "1" }).code).not.toBe(0);
    expect(current()).toBe(false);
  });

  it("reloads with reload-or-restart (a stopped service is started), after a daemon-reload when systemd asks for one", () => {
    expect(run(["reload", "nginx.service", dir], { NEED_RELOAD: "yes" })).toMatchObject({ code: 0, stdout: "nginx.service reloaded\n" });
    expect(log()).toBe("daemon-reload\nreload-or-restart -- nginx.service\n");
  });

  it.each([
    [["restart", "app.service"]],
    [["restart", "app.service", "relative/path"]],
    [["restart", "../x", "/opt"]],
    [["bounce", "app.service", "/opt"]],
    [["check"]],
  ])("refuses %j (exit 2) and runs nothing", (args) => {
    expect(run(args).code).toBe(2);
    expect(log()).toBe("");
  });
});
