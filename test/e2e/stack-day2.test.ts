// Day-2 changes on the reference stack (FRESH lab hosts, bridge dlabstack5, 10.77.5.0/24; root, FAILS
// without it): changing the app's port with site.yaml and with the rolling update, a run that failed
// between writing the app's config and restarting it, and admin_networks that would leave out the
// control machine. Everything is checked through HAProxy and with root shells on the hosts.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alternates, backendStatus, changes, deployOn, freshStackLab, onStackHost, Site, waitUntil, type StackLab } from "./support/stack.js";

let lab: StackLab;
let site: Site;

beforeAll(async () => {
  lab = await freshStackLab({ subnet: 5, bridge: "dlabstack5" });
  const first = await deployOn(lab, "apply");
  expect(first.code, changes(first.doc).join("\n")).toBe(0);
  site = await Site.of(lab);
}, 600_000);

afterAll(() => site?.close());

/** The app's /health on a host, asked on the host itself at that port ("down" when nothing answers). */
const appOn = (host: string, port: number) =>
  onStackHost(lab, host, `node -e 'require("http").get("http://127.0.0.1:${port}/health", (r) => console.log(r.statusCode)).on("error", () => console.log("down"))'`).then((s) => s.trim());
const bothUp = () => waitUntil("HAProxy sees both app servers UP", async () => Object.values(await backendStatus(lab)).every((s) => s === "UP"), 10_000);

describe("changing app_port", () => {
  it("with site.yaml: the app restarts on the new port before its health check, the site works through HAProxy, a second apply changes nothing", async () => {
    const plan = await deployOn(lab, "plan", "-e", "app_port=3001");
    expect(changes(plan.doc)).toContain("web-01: Restart the app (its code, dependencies, config or unit changed): changed");

    const moved = await deployOn(lab, "apply", "-e", "app_port=3001");
    expect(moved.code, changes(moved.doc).join("\n")).toBe(0);
    for (const host of ["web-01", "web-02"]) {
      expect(changes(moved.doc)).toEqual(expect.arrayContaining([
        `${host}: App config (database hosts and credentials; readable by the app's group only): changed`,
        `${host}: Restart the app (its code, dependencies, config or unit changed): changed`,
        `${host}: Nginx site in front of the app: changed`,
        `${host}: Reload Nginx (its site changed): changed`,
      ]));
      expect(await appOn(host, 3001)).toBe("200");
      expect(await appOn(host, 3000)).toBe("down");
    }
    expect(moved.doc.recap["web-01"]).toMatchObject({ failed: 0 });
    await bothUp();
    expect(alternates(await site.servers(6))).toBe(true);

    const again = await deployOn(lab, "apply", "-e", "app_port=3001");
    expect(again.code).toBe(0);
    expect(changes(again.doc)).toEqual([]);
    expect(changes((await deployOn(lab, "plan", "-e", "app_port=3001")).doc)).toEqual([]);
  });

  it("a run that failed after writing the new config and before the restart is completed by the next run", async () => {
    // The unit's template fails its check after the config was written: the run stops before the restart.
    const broken = await deployOn(lab, "apply", "--limit", "web-02", "-e", "app_port=3002", "-e", "app_restart_sec=bogus");
    expect(broken.code).toBe(2);
    expect(changes(broken.doc)).toContain("web-02: App config (database hosts and credentials; readable by the app's group only): changed");
    expect(await appOn("web-02", 3001)).toBe("200");

    // Nothing is left to write, and still the app moves: what it runs is older than its config.
    const next = await deployOn(lab, "apply", "--limit", "web-02", "-e", "app_port=3002");
    expect(next.code, changes(next.doc).join("\n")).toBe(0);
    expect(changes(next.doc)).toContain("web-02: Restart the app (changed since its last restart, by a run that stopped before restarting it): changed");
    expect(changes(next.doc)).not.toContain("web-02: App config (database hosts and credentials; readable by the app's group only): changed");
    expect(await appOn("web-02", 3002)).toBe("200");
    expect(changes((await deployOn(lab, "apply", "--limit", "web-02", "-e", "app_port=3002")).doc)).toEqual([]);
  });

  it("back to the default port, then with the rolling update: each server back in rotation, none left drained", async () => {
    const back = await deployOn(lab, "apply");
    expect(back.code, changes(back.doc).join("\n")).toBe(0);
    for (const host of ["web-01", "web-02"]) expect(await appOn(host, 3000)).toBe("200");
    await bothUp();

    const rolled = await deployOn(lab, "apply", join(lab.dir, "playbooks/rolling-update.yaml"), "-e", "app_port=3001");
    expect(rolled.code, changes(rolled.doc).join("\n")).toBe(0);
    for (const host of ["web-01", "web-02"]) {
      expect(changes(rolled.doc)).toContain(`${host}: handler back into the load balancer (web-01): changed`);
      expect(await appOn(host, 3001)).toBe("200");
    }
    expect(await backendStatus(lab)).toEqual({ "web-01": "UP", "web-02": "UP" });
    expect(alternates(await site.servers(4))).toBe(true);

    expect((await deployOn(lab, "apply")).code).toBe(0);
    expect(changes((await deployOn(lab, "apply")).doc)).toEqual([]);
  });
});

describe("admin_networks without the control machine", () => {
  it("is refused on every host before the rules change, naming the address SSH comes from; the rules stay and the next apply connects", async () => {
    const rules = async () => Promise.all(["web-01", "web-02", "db-01"].map((h) => onStackHost(lab, h, "nft list ruleset; cat /etc/nftables.conf")));
    const before = await rules();
    const refused = await deployOn(lab, "apply", "-e", 'admin_networks=["10.99.0.0/16"]');
    expect(refused.code).toBe(2);
    const failed = refused.doc.tasks.filter((t) => t.status === "failed");
    expect(failed.map((t) => t.host).sort()).toEqual(["db-01", "web-01", "web-02"]);
    for (const t of failed) {
      // The new rules' validator refused them: the staged file never replaced the live one.
      expect(t.task).toBe("Firewall rules");
      expect(t.summary).toMatch(/comes from 10\.77\.5\.1 \(as this host sees it\), which is in none of the networks the new rules let SSH in from \(10\.99\.0\.0\/16\)/);
    }
    expect(refused.doc.tasks.filter((t) => t.task === "Load the new rules now" && t.status !== "skipped")).toEqual([]);
    expect(await rules()).toEqual(before);

    // Widened with the control machine's own address: allowed.
    const widened = await deployOn(lab, "apply", "--tags", "firewall", "-e", 'admin_networks=["10.99.0.0/16", "10.77.5.1/32"]');
    expect(widened.code, changes(widened.doc).join("\n")).toBe(0);
    const again = await deployOn(lab, "apply");
    expect(again.code).toBe(0);
    expect(await rules()).toEqual(before);
  });
});
