import { describe, expect, it } from "vitest";
import { createLocalConnection } from "../../../src/connection/local.js";
import { FACTS } from "../../../src/facts/definitions.js";
import { factsScript, gatherFacts, parseFacts, splitSections } from "../../../src/facts/gather.js";
import { parseAddresses, parseCount, parseInit, parseMemoryMb, parseOsRelease, parsePackageManager } from "../../../src/facts/parsers.js";
import type { Facts } from "../../../src/facts/types.js";
import { ALPINE_MINIMAL, DEBIAN_12, UBUNTU_2404 } from "./fixtures.js";

describe("facts from captured hosts", () => {
  it.each<[string, string, Facts]>([
    ["Debian 12", DEBIAN_12, {
      os: { id: "debian", version: "12", codename: "bookworm", family: ["debian"] },
      arch: "x86_64", init: "systemd", packageManager: "apt", hostname: "web-01",
      addresses: ["10.77.0.11"], memoryMb: 1967, cpus: 2, sshClient: "10.77.0.1",
    }],
    ["Ubuntu 24.04", UBUNTU_2404, {
      os: { id: "ubuntu", version: "24.04", codename: "noble", family: ["debian", "ubuntu"] },
      arch: "aarch64", init: "systemd", packageManager: "apt", hostname: "app-2",
      addresses: ["10.0.0.5", "172.17.0.1", "10.0.0.6"], memoryMb: 7941, cpus: 4, sshClient: "2001:db8::7",
    }],
    ["Alpine minimal", ALPINE_MINIMAL, {
      os: { id: "alpine", version: "3.20.3", codename: "", family: ["alpine"] },
      arch: "x86_64", init: "init", packageManager: "apk", hostname: "tiny",
      addresses: ["172.17.0.2"], memoryMb: 491, cpus: 1, sshClient: "",
    }],
  ])("%s", (_, stdout, expected) => {
    expect(parseFacts(stdout)).toEqual(expected);
  });

  it("gives empty values, never throws, when every tool was missing", () => {
    expect(parseFacts("")).toEqual({
      os: { id: "unknown", version: "", codename: "", family: ["unknown"] },
      arch: "unknown", init: "unknown", packageManager: "unknown", hostname: "unknown",
      addresses: [], memoryMb: 0, cpus: 0, sshClient: "",
    });
  });
});

describe("fact parsers", () => {
  it("os-release: quotes, escapes, ID_LIKE lists, no VERSION_ID on testing", () => {
    expect(parseOsRelease('ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky \\"Blue\\""')).toEqual({
      id: "rocky", version: "9.3", codename: "", family: ["rhel", "centos", "fedora", "rocky"],
    });
    expect(parseOsRelease("ID=debian\nVERSION_CODENAME=trixie\n").version).toBe("");
  });

  it("addresses: `hostname -I` fallback, IPv6 and loopback dropped, duplicates once", () => {
    expect(parseAddresses("10.0.0.5 172.17.0.1 fd00::5 10.0.0.5 \n")).toEqual(["10.0.0.5", "172.17.0.1"]);
    expect(parseAddresses("1: lo    inet 127.0.0.1/8 scope host lo")).toEqual([]);
    expect(parseAddresses("999.1.1.1")).toEqual([]);
  });

  it("init, package manager, memory, counts", () => {
    expect(parseInit("systemd\n")).toBe("systemd");
    expect(parseInit("bash\nsystemd-running\n")).toBe("systemd");
    expect(parsePackageManager("dnf\n")).toBe("dnf");
    expect(parsePackageManager("brew\n")).toBe("unknown");
    expect(parseMemoryMb("MemTotal: 1024 kB")).toBe(1);
    expect(parseCount("grep: /proc/cpuinfo")).toBe(0);
  });
});

describe("the facts script", () => {
  it("has one section per fact, in table order", () => {
    const script = factsScript().text;
    expect([...script.matchAll(/'@@deploy-fact (\w+)'/g)].map((m) => m[1])).toEqual(Object.keys(FACTS));
  });

  it("runs in ONE exec on a real shell and yields this machine's facts", async () => {
    const conn = createLocalConnection("here");
    const facts = await gatherFacts(conn);
    expect(conn.stats.roundTrips).toBe(1);
    const sections = splitSections((await conn.exec(factsScript())).stdout);
    expect([...sections.keys()]).toEqual(Object.keys(FACTS));
    expect(facts.os.id).not.toBe("unknown");
    expect(facts.arch).toBe((await conn.exec("uname -m")).stdout.trim());
    expect(facts.cpus).toBeGreaterThan(0);
    expect(facts.memoryMb).toBeGreaterThan(0);
    expect(facts.packageManager).toBe("apt");
    // Not over SSH here (unless this test itself runs in an SSH session).
    expect(facts.sshClient).toBe((process.env["SSH_CONNECTION"] ?? "").split(" ")[0]);
  });
});
