// roles/firewall/files/ssh-client-allowed on a real POSIX shell: the check that stops new firewall rules
// from locking deploy out (the SSH client, as $SSH_CONNECTION names it, must be inside the SSH networks).
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const script = resolve("roles/firewall/files/ssh-client-allowed");

function check(client: string | undefined, networks: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: Record<string, string> = { PATH: process.env["PATH"] ?? "/usr/bin:/bin" };
  if (client !== undefined) env["SSH_CONNECTION"] = `${client} 50022 10.77.0.11 22`;
  const r = spawnSync("sh", [script, ...networks], { env, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("ssh-client-allowed", () => {
  it.each([
    ["10.77.0.1", ["10.77.0.0/24"]],
    ["10.77.0.1", ["192.168.0.0/16", "10.0.0.0/8"]],
    ["10.77.0.1", ["10.77.0.1"]],
    ["10.77.0.1", ["10.77.0.1/32"]],
    ["10.77.0.1", ["0.0.0.0/0"]],
    ["10.77.0.200", ["10.77.0.128/25"]],
    ["::ffff:10.77.0.1", ["10.77.0.0/24"]],
    ["2001:db8::5", ["2001:db8::/32"]],
    ["2001:db8:0:1::1", ["2001:db8:0:1::/64"]],
    ["fe80::1%eth0", ["fe80::/10"]],
    ["::1", ["::1"]],
    ["2001:db8:1:2:3:4:5:6", ["2001:db8:1:2:3:4:5:7/127"]],
  ])("%s is inside %j", (client, networks) => {
    const r = check(client, networks);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/is inside/);
  });

  it.each([
    ["10.77.0.1", ["10.77.1.0/24"]],
    ["10.77.0.1", ["10.77.0.2"]],
    ["10.77.0.100", ["10.77.0.128/25"]],
    ["10.77.0.1", ["2001:db8::/32"]],
    ["2001:db8::5", ["10.0.0.0/8"]],
    ["2001:db9::5", ["2001:db8::/32"]],
    ["2001:db8:0:2::1", ["2001:db8:0:1::/64"]],
  ])("%s is outside %j: exit 1, naming the address, the networks and what to do", (client, networks) => {
    const r = check(client, networks);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`comes from ${client}`);
    expect(r.stderr).toContain(`(${networks.join(" ")})`);
    expect(r.stderr).toMatch(/would lock deploy out of this host\. Add that address or its network to admin_networks/);
    expect(r.stderr).toMatch(/the rules in place were left as they are/);
  });

  it.each([["bogus"], ["10.0.0.0/33"], ["10.0.0/8"], ["2001:db8::/129"], ["1:2:3:4:5:6:7:8:9"], ["10.0.0.0/x"]])("a network %s that is not one: exit 2", (network) => {
    const r = check("10.77.0.1", ["10.99.0.0/16", network]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not an address or network|at most/);
  });

  it("outside an SSH session there is nothing to lock out: exit 0", () => {
    expect(check(undefined, ["10.0.0.0/8"])).toMatchObject({ code: 0, stdout: "not an SSH session: nothing to check\n" });
  });

  // As the firewall role's validator: run as root (sudo dropped SSH_CONNECTION), the client given by
  // the fact sshClient, the networks read from the staged rule set.
  describe("--client ADDRESS --ruleset FILE", () => {
    const ruleset = (networks: string) => {
      const file = join(mkdtempSync(join(tmpdir(), "ssh-client-")), "nftables.conf");
      writeFileSync(file, `#!/usr/sbin/nft -f\n# SSH is let in from (checked against ...): ${networks}\ntable inet x {}\n`);
      return file;
    };
    const run = (...args: string[]) => {
      const r = spawnSync("sh", [script, ...args], { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" }, encoding: "utf8" });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };

    it("inside the rule set's SSH networks: exit 0; outside: exit 1 naming them", () => {
      const file = ruleset("192.168.0.0/16 10.77.0.0/24");
      expect(run("--client", "10.77.0.1", "--ruleset", file)).toMatchObject({ code: 0, stdout: "10.77.0.1 is inside 10.77.0.0/24\n" });
      const outside = run("--client", "10.99.0.1", "--ruleset", file);
      expect(outside.code).toBe(1);
      expect(outside.stderr).toContain("comes from 10.99.0.1 (as this host sees it), which is in none of the networks the new rules let SSH in from (192.168.0.0/16 10.77.0.0/24)");
    });

    it("an empty client (not over SSH: connection local) has nothing to lock out", () => {
      expect(run("--client", "", "--ruleset", ruleset("10.0.0.0/8"))).toMatchObject({ code: 0, stdout: "not an SSH session: nothing to check\n" });
    });

    it("a rule set without the line, or a network in it that is not one: exit 2, nothing taken on trust", () => {
      const bare = join(mkdtempSync(join(tmpdir(), "ssh-client-")), "nftables.conf");
      writeFileSync(bare, "table inet x {}\n");
      expect(run("--client", "10.77.0.1", "--ruleset", bare)).toMatchObject({ code: 2 });
      expect(run("--client", "10.77.0.1", "--ruleset", ruleset("$(touch /tmp/x) 10.77.0.0/24")).code).toBe(2);
    });
  });
});
