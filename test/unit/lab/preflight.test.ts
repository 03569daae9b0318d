import { describe, expect, it } from "vitest";
import { preflight, type PreflightEnv } from "../../../src/lab/preflight.js";

function env(overrides: Partial<PreflightEnv> & { present?: Set<string> }): PreflightEnv & { installed: string[][]; logs: string[] } {
  const present = overrides.present ?? new Set(["debootstrap", "systemd-nspawn", "nft", "ip", "ssh-keygen", "mount", "umount", "chroot"]);
  const installed: string[][] = [];
  const logs: string[] = [];
  return {
    platform: "linux",
    uid: 0,
    hasCommand: async (c) => present.has(c),
    hasApt: async () => true,
    install: async (packages) => {
      installed.push(packages);
    },
    log: (l) => logs.push(l),
    ...overrides,
    installed,
    logs,
  };
}

describe("lab preflight", () => {
  it("passes on Linux as root with every tool", async () => {
    const e = env({});
    await preflight(e);
    expect(e.installed).toEqual([]);
  });

  it("says at once that it needs both Linux and root", async () => {
    await expect(preflight(env({ platform: "darwin", uid: 501 }))).rejects.toThrow(
      /needs Linux.*this is darwin[\s\S]*needs root.*sudo/,
    );
  });

  it("installs the missing Debian packages, each once", async () => {
    const present = new Set(["ip", "ssh-keygen", "chroot"]);
    const e = env({ present });
    const installed: string[][] = [];
    e.install = async (packages) => {
      installed.push(packages);
      for (const c of ["debootstrap", "systemd-nspawn", "nft", "mount", "umount"]) present.add(c);
    };
    await preflight(e);
    expect(installed).toEqual([["debootstrap", "systemd-container", "nftables", "mount"]]);
    expect(e.logs.join("\n")).toContain("installing missing Debian packages");
  });

  it("lists every missing command with its package when they cannot be installed", async () => {
    const e = env({ present: new Set(["ip", "ssh-keygen", "chroot", "mount", "umount"]), hasApt: async () => false });
    await expect(preflight(e)).rejects.toThrow(
      "cannot start the lab: missing commands:\n  - debootstrap (Debian package debootstrap)\n  - systemd-nspawn (Debian package systemd-container)\n  - nft (Debian package nftables)\ninstall them with: apt-get install debootstrap systemd-container nftables",
    );
  });
});
