import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hostPublicKeys, hostsFile, networkFile, passwdIds, prepareHostTree, withAuthorizedKey, type HostIdentity } from "../../../src/lab/host-tree.js";
import type { Runner } from "../../../src/lab/runner.js";

const identity: HostIdentity = {
  name: "web-01",
  address: "10.77.0.11",
  gateway: "10.77.0.1",
  dns: "10.255.255.53",
  peers: [
    { name: "web-01", address: "10.77.0.11" },
    { name: "db-01", address: "10.77.0.13" },
  ],
  authorizedKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIlab deploy-lab",
};

describe("host identity files", () => {
  it("gives host0 a static address, gateway and DNS", () => {
    expect(networkFile(identity)).toContain("[Match]\nName=host0\n");
    expect(networkFile(identity)).toMatch(/Address=10\.77\.0\.11\/24\nGateway=10\.77\.0\.1\nDNS=10\.255\.255\.53/);
  });

  it("names the host and its peers in /etc/hosts", () => {
    const hosts = hostsFile(identity);
    expect(hosts).toContain("127.0.1.1\tweb-01");
    expect(hosts).toContain("10.77.0.13\tdb-01");
    expect(hosts).not.toContain("10.77.0.11\tweb-01");
  });

  it("adds the lab key once and keeps other keys", () => {
    expect(withAuthorizedKey("", "ssh-ed25519 AAAA lab")).toBe("ssh-ed25519 AAAA lab\n");
    expect(withAuthorizedKey("ssh-ed25519 BBBB other\n", "ssh-ed25519 AAAA lab")).toBe("ssh-ed25519 BBBB other\nssh-ed25519 AAAA lab\n");
    expect(withAuthorizedKey("ssh-ed25519 AAAA lab\n", "ssh-ed25519 AAAA lab\n")).toBe("ssh-ed25519 AAAA lab\n");
  });

  it("reads uid and gid from passwd", () => {
    expect(passwdIds("root:x:0:0::/root:/bin/bash\ndeploy:x:1000:1001::/home/deploy:/bin/bash\n", "deploy")).toEqual({ uid: 1000, gid: 1001 });
    expect(passwdIds("root:x:0:0::/root:/bin/bash\n", "deploy")).toBeUndefined();
  });
});

describe("prepareHostTree", () => {
  let root = "";
  afterEach(() => rm(root, { recursive: true, force: true }));

  async function fakeImage(): Promise<string> {
    root = await mkdtemp(join(tmpdir(), "lab-tree-"));
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    for (const dir of ["etc/ssh", "root", "home/deploy"]) await mkdir(join(root, dir), { recursive: true });
    await writeFile(join(root, "etc/machine-id"), "");
    await writeFile(join(root, "etc/passwd"), `root:x:0:0::/root:/bin/bash\ndeploy:x:${uid}:${gid}::/home/deploy:/bin/bash\n`);
    return root;
  }

  // Stands in for `ssh-keygen -A -f ROOT`: writes the key files it would.
  const keygen: { calls: string[][]; run: Runner } = {
    calls: [],
    run: async (command, args) => {
      keygen.calls.push([command, ...args]);
      const target = args[args.indexOf("-f") + 1] ?? "";
      for (const type of ["ed25519", "rsa"]) {
        await writeFile(join(target, `etc/ssh/ssh_host_${type}_key`), "private");
        await writeFile(join(target, `etc/ssh/ssh_host_${type}_key.pub`), `ssh-${type} AAAA${type} root@builder\n`);
      }
      return { code: 0, stdout: "", stderr: "" };
    },
  };

  it("writes the host's identity, its own host keys and the lab key for root and deploy", async () => {
    const tree = await fakeImage();
    keygen.calls = [];
    await prepareHostTree(keygen.run, tree, identity);
    expect(await readFile(join(tree, "etc/hostname"), "utf8")).toBe("web-01\n");
    expect(await readFile(join(tree, "etc/resolv.conf"), "utf8")).toBe("nameserver 10.255.255.53\n");
    expect(await readFile(join(tree, "etc/systemd/network/10-host0.network"), "utf8")).toContain("Address=10.77.0.11/24");
    expect((await readFile(join(tree, "etc/machine-id"), "utf8")).trim()).toMatch(/^[0-9a-f]{32}$/);
    expect(keygen.calls).toEqual([["ssh-keygen", "-A", "-f", tree]]);
    for (const home of ["root", "home/deploy"]) {
      const file = join(tree, home, ".ssh/authorized_keys");
      expect(await readFile(file, "utf8")).toBe(identity.authorizedKey + "\n");
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(join(tree, home, ".ssh"))).mode & 0o777).toBe(0o700);
    }
    expect(await hostPublicKeys(tree)).toEqual(["ssh-ed25519 AAAAed25519", "ssh-rsa AAAArsa"]);
  });

  it("keeps the host keys and machine id on the next boot", async () => {
    const tree = await fakeImage();
    keygen.calls = [];
    await prepareHostTree(keygen.run, tree, identity);
    const machineId = await readFile(join(tree, "etc/machine-id"), "utf8");
    await prepareHostTree(keygen.run, tree, { ...identity, address: "10.77.0.21" });
    expect(keygen.calls).toHaveLength(1);
    expect(await readFile(join(tree, "etc/machine-id"), "utf8")).toBe(machineId);
    expect(await readFile(join(tree, "etc/systemd/network/10-host0.network"), "utf8")).toContain("Address=10.77.0.21/24");
  });

  it("refuses an image without the deploy user", async () => {
    const tree = await fakeImage();
    await writeFile(join(tree, "etc/passwd"), "root:x:0:0::/root:/bin/bash\n");
    await expect(prepareHostTree(keygen.run, tree, identity)).rejects.toThrow(/no user 'deploy'/);
  });
});
