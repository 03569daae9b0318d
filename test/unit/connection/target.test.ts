import { describe, expect, it } from "vitest";
import type { Host, Inventory } from "../../../src/config/model.js";
import { parseSshConfig } from "../../../src/connection/ssh-config.js";
import { parseHopSpec, resolveTarget, type TargetEnv } from "../../../src/connection/target.js";
import { ConnectionError } from "../../../src/connection/types.js";

const location = { file: "/p/inventory/lab.yaml", line: 1, col: 1 };

function host(name: string, over: Partial<Host> = {}): Host {
  return { name, address: name, port: 22, connection: "ssh", become: false, vars: {}, groups: [], location, ...over };
}

function inventory(hosts: Host[], knownHosts?: string): Inventory {
  return {
    file: location.file,
    projectDir: "/p",
    vars: {},
    hosts: new Map(hosts.map((h) => [h.name, h])),
    groups: new Map(),
    settings: { hostKeyChecking: "strict", connectTimeoutMs: 10_000, varsFiles: [], ...(knownHosts ? { knownHosts } : {}) },
  };
}

function env(sshConfig = "", existing: string[] = []): TargetEnv {
  return {
    home: "/home/ann",
    localUser: "ann",
    sshConfig: parseSshConfig(sshConfig, "/home/ann/.ssh/config", { home: "/home/ann" }),
    fileExists: (p) => existing.includes(p),
  };
}

describe("resolveTarget", () => {
  it("uses defaults: local user, port 22, OpenSSH's default keys that exist, inventory settings", () => {
    const h = host("web-01", { address: "10.77.0.11" });
    const t = resolveTarget(h, inventory([h], "/p/.lab/known_hosts"), env("", ["/home/ann/.ssh/id_rsa"]));
    expect(t).toEqual({
      name: "web-01",
      address: "10.77.0.11",
      port: 22,
      user: "ann",
      identityFiles: ["/home/ann/.ssh/id_rsa"],
      become: false,
      connectTimeoutMs: 10_000,
      hostKeyPolicy: "strict",
      knownHostsFiles: ["/p/.lab/known_hosts"],
    });
  });

  it("lets the inventory win over ~/.ssh/config, and config over defaults", () => {
    const config = "Host 10.77.0.*\n  User cfguser\n  Port 2222\n  IdentityFile ~/.ssh/lab_%r\n  HostName %h\n";
    const plain = host("web-01", { address: "10.77.0.11" });
    const t1 = resolveTarget(plain, inventory([plain]), env(config));
    expect([t1.user, t1.port, t1.identityFiles]).toEqual(["cfguser", 2222, ["/home/ann/.ssh/lab_cfguser"]]);
    const explicit = host("web-02", { address: "10.77.0.12", user: "root", port: 2200, identityFile: "/p/.lab/id_ed25519" });
    const t2 = resolveTarget(explicit, inventory([explicit]), env(config));
    expect([t2.user, t2.port, t2.identityFiles]).toEqual(["root", 2200, ["/p/.lab/id_ed25519"]]);
  });

  it("translates an alias through HostName", () => {
    const h = host("db-01", { address: "db" });
    const t = resolveTarget(h, inventory([h]), env("Host db\n  HostName 10.77.0.13\n"));
    expect(t.address).toBe("10.77.0.13");
  });

  it("resolves an inventory jump host with its own settings", () => {
    const bastion = host("web-01", { address: "10.77.0.11", user: "root", identityFile: "/p/.lab/id_ed25519" });
    const db = host("db-01", { address: "10.77.0.13", user: "root", jump: "web-01", become: true, becomeUser: "mysql" });
    const t = resolveTarget(db, inventory([bastion, db]), env());
    expect(t.jump).toMatchObject({ name: "web-01", address: "10.77.0.11", user: "root", identityFiles: ["/p/.lab/id_ed25519"] });
    expect(t.jump?.jump).toBeUndefined();
    expect([t.become, t.becomeUser]).toEqual([true, "mysql"]);
  });

  it("accepts a [user@]address[:port] jump, reusing the host's key for the hop", () => {
    const db = host("db-01", { address: "10.77.0.13", identityFile: "/k" , jump: "ops@10.77.0.11:2222" });
    const t = resolveTarget(db, inventory([db]), env());
    expect(t.jump).toMatchObject({ name: "ops@10.77.0.11:2222", address: "10.77.0.11", port: 2222, user: "ops", identityFiles: ["/k"] });
  });

  it("chains ProxyJump a,b: the host is reached through b, b through a", () => {
    const h = host("app", { address: "10.0.0.5" });
    const t = resolveTarget(h, inventory([h]), env("Host 10.0.0.5\n  ProxyJump first,second:2200\n"));
    expect(t.jump?.name).toBe("second:2200");
    expect(t.jump?.port).toBe(2200);
    expect(t.jump?.jump?.name).toBe("first");
    expect(t.jump?.jump?.jump).toBeUndefined();
  });

  it("ProxyJump none disables the jump; an inventory jump beats ProxyJump", () => {
    const h = host("app", { address: "10.0.0.5" });
    expect(resolveTarget(h, inventory([h]), env("Host *\n  ProxyJump none\n")).jump).toBeUndefined();
    const j = host("app", { address: "10.0.0.5", jump: "inv-bastion" });
    expect(resolveTarget(j, inventory([j]), env("Host *\n  ProxyJump cfg-bastion\n")).jump?.name).toBe("inv-bastion");
  });

  it("refuses a jump loop and a malformed jump with a ConnectionError", () => {
    const a = host("a", { jump: "b" });
    const b = host("b", { jump: "a" });
    expect(() => resolveTarget(a, inventory([a, b]), env())).toThrow(/jump hosts form a loop: a -> b -> a/);
    const bad = host("c", { jump: "user@host:notaport" });
    expect(() => resolveTarget(bad, inventory([bad]), env())).toThrow(ConnectionError);
  });

  it("takes the become password from the host vars, else the environment", () => {
    const h = host("web-01", { become: true, vars: { become_password: "from-vault" } });
    expect(resolveTarget(h, inventory([h]), { ...env(), becomePassword: "from-env" }).becomePassword).toBe("from-vault");
    const g = host("web-02", { become: true });
    expect(resolveTarget(g, inventory([g]), { ...env(), becomePassword: "from-env" }).becomePassword).toBe("from-env");
  });
});

describe("parseHopSpec", () => {
  it("parses user, address, port and bracketed IPv6", () => {
    expect(parseHopSpec("10.0.0.1")).toEqual({ address: "10.0.0.1" });
    expect(parseHopSpec("root@10.0.0.1:2222")).toEqual({ user: "root", address: "10.0.0.1", port: 2222 });
    expect(parseHopSpec("ops@[fd00::1]:22")).toEqual({ user: "ops", address: "fd00::1", port: 22 });
    expect(parseHopSpec("a b")).toBeUndefined();
    expect(parseHopSpec("h:70000")).toBeUndefined();
  });
});

describe("become password from inventory levels", () => {
  it("takes become_password from the all level (vars_files) when the host has none", () => {
    const h = host("web-01", { become: true });
    const inv = { ...inventory([h]), vars: { become_password: "from-all-level" } };
    expect(resolveTarget(h, inv, env()).becomePassword).toBe("from-all-level");
  });
});
