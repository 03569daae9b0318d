// Plan mode on the engine lab (root; FAILS without it): changes nothing on the host, says "pending" for a
// task whose check depends on an earlier pending change, shows drift as a diff, and after apply shows nothing.
import { beforeAll, describe, expect, it } from "vitest";
import type { Lab } from "../e2e/support/lab.js";
import { deployJson, engineLab, HOSTS, INVENTORY, onHost, onHosts, playbook, statuses } from "../fixtures/engine/harness.js";

const FILES = playbook("plan");
const PACKAGE = playbook("plan-package");
let lab: Lab;

/**
 * Everything under the places a run could write (files, packages, apt lists, accounts, units) that is
 * newer than the stamp. The run's own SSH sessions only write logs and /run, which are left out.
 */
const CHANGED_SINCE_STAMP =
  "find /etc /tmp /usr /opt /home /root /srv /var/lib/dpkg /var/lib/apt /var/cache/apt -xdev -newer /run/eng-plan-stamp " +
  "-not -path /tmp -not -path /root 2>/dev/null | sort";

async function stamp(): Promise<void> {
  await onHosts(lab, "touch /run/eng-plan-stamp && sleep 0.05");
}

beforeAll(async () => {
  lab = await engineLab();
  await onHosts(lab, "rm -rf /tmp/eng-plan");
  // The package playbook is only planned: the host must not have what it would install.
  await onHosts(lab, "if dpkg -s rsync >/dev/null 2>&1; then apt-get -y -q purge rsync >/dev/null; fi");
});

describe("plan", () => {
  it("on fresh hosts: the directory would be created and what goes into it is pending; nothing is touched", async () => {
    await stamp();
    const { code, doc } = await deployJson(["plan", INVENTORY, FILES]);
    expect(code).toBe(0);
    for (const host of HOSTS) {
      expect(statuses(doc, host)).toEqual({ "conf dir": "changed", "app config": "changed", "tuning line": "changed", motd: "changed" });
      const app = doc.tasks.find((t) => t.host === host && t.task === "app config");
      expect(app).toMatchObject({
        pending: true,
        summary: "cannot check until 'conf dir' is applied: directory /tmp/eng-plan/conf.d does not exist",
        diff: null,
      });
      expect(doc.tasks.find((t) => t.host === host && t.task === "conf dir")).toMatchObject({
        pending: false,
        summary: "create directory /tmp/eng-plan/conf.d (mode 0750)",
      });
      expect(doc.recap[host]).toMatchObject({ changed: 4, failed: 0 });
      expect(await onHost(lab, host, CHANGED_SINCE_STAMP)).toBe("");
    }
  });

  it("a service whose package is not installed yet is pending on the package task; nothing is installed", async () => {
    // A list newer than apt's binary cache makes the cache stale: apt-cache run as root would rewrite it.
    await onHosts(lab, "find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -exec touch {} +");
    await stamp();
    const { code, doc } = await deployJson(["plan", INVENTORY, PACKAGE]);
    expect(code).toBe(0);
    for (const host of HOSTS) {
      expect(doc.tasks.filter((t) => t.host === host).map((t) => [t.task, t.status, t.pending, t.summary])).toEqual([
        ["install rsync", "changed", false, "install rsync"],
        ["rsync daemon", "changed", true, "cannot check until 'install rsync' is applied: unit rsync.service is not installed"],
      ]);
      expect(await onHost(lab, host, "dpkg -s rsync >/dev/null 2>&1 && echo installed || echo absent")).toBe("absent\n");
      expect(await onHost(lab, host, CHANGED_SINCE_STAMP)).toBe("");
    }
  });

  it("the same missing unit with no pending change before it is a failure, not a guess", async () => {
    const { code, doc } = await deployJson(["plan", INVENTORY, PACKAGE, "--limit", "e1", "-e", "with_package=false"]);
    expect(code).toBe(2);
    expect(doc.tasks.find((t) => t.task === "rsync daemon")).toMatchObject({ status: "failed", pending: false, summary: "unit rsync.service is not installed" });
  });

  it("after apply, plan shows no change; drift shows as a diff and the host keeps its drift", async () => {
    const applied = await deployJson(["apply", INVENTORY, FILES]);
    expect(applied.code).toBe(0);
    expect(await onHost(lab, "e2", "stat -c '%a %U' /tmp/eng-plan/conf.d /tmp/eng-plan/conf.d/app.conf; cat /tmp/eng-plan/conf.d/app.conf")).toBe(
      [
        "750 root",
        "640 root",
        "# managed by deploy",
        "listen 8080",
        "host e2 (debian 12)",
        "peer e1 10.77.2.11",
        "peer e2 10.77.2.12",
        "peer e3 10.77.2.13",
        "",
      ].join("\n"),
    );
    expect(await onHost(lab, "e2", "cat /tmp/eng-plan/conf.d/tuning.conf")).toBe("workers 4\n");

    await stamp();
    const clean = await deployJson(["plan", INVENTORY, FILES]);
    expect(clean.code).toBe(0);
    for (const host of HOSTS) {
      expect(clean.doc.recap[host]).toEqual({ ok: 4, changed: 0, failed: 0, skipped: 0, unreachable: 0, ignored: 0 });
      expect(await onHost(lab, host, CHANGED_SINCE_STAMP)).toBe("");
    }

    await onHost(lab, "e3", "sed -i 's/^listen 8080$/listen 9999/' /tmp/eng-plan/conf.d/app.conf && echo 'hand edit' >> /tmp/eng-plan/motd");
    const drift = await deployJson(["plan", INVENTORY, FILES, "-e", "port=8081"]);
    expect(drift.code).toBe(0);
    const app = drift.doc.tasks.find((t) => t.host === "e3" && t.task === "app config");
    expect(app?.status).toBe("changed");
    expect(app?.diff).toBe(
      [
        "--- /tmp/eng-plan/conf.d/app.conf (before)",
        "+++ /tmp/eng-plan/conf.d/app.conf (after)",
        "@@ -1,5 +1,5 @@",
        " # managed by deploy",
        "-listen 9999",
        "+listen 8081",
        " host e3 (debian 12)",
        " peer e1 10.77.2.11",
        " peer e2 10.77.2.12",
        "",
      ].join("\n"),
    );
    expect(drift.doc.tasks.find((t) => t.host === "e3" && t.task === "motd")?.diff).toContain(" hello from e3\n-hand edit\n");
    expect(statuses(drift.doc, "e1")).toEqual({ "conf dir": "ok", "app config": "changed", "tuning line": "ok", motd: "ok" });
    expect(await onHost(lab, "e3", "grep ^listen /tmp/eng-plan/conf.d/app.conf")).toBe("listen 9999\n");
  });
});
