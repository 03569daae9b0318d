// A lab host is its name on a bridge in one /24: another inventory's host of the same name in another
// subnet (one without `lab:` shares the default bridge) gets a directory of its own, the first one waits.
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { claimHostDir, setAsideDir } from "../../../src/lab/host-state.js";
import { hostPaths, labPaths, type LabPaths } from "../../../src/lab/spec.js";
import { exists } from "../../../src/util/exists.js";

let paths: LabPaths;

/** A host directory as `up` leaves it: its record and a change of its own in the upper dir. */
async function startedHost(name: string, address: string, change: string): Promise<void> {
  const hp = hostPaths(paths, name);
  await mkdir(join(hp.upper, "root"), { recursive: true });
  await writeFile(join(hp.dir, "host.json"), JSON.stringify({ name, address, machine: `${name}-abcd` }) + "\n");
  await writeFile(join(hp.upper, "root", "change"), change);
}

const change = (name: string) => readFile(join(hostPaths(paths, name).upper, "root", "change"), "utf8");

beforeEach(async () => {
  paths = labPaths(await mkdtemp(join(tmpdir(), "deploy-host-state-")), "deploylab0");
});

describe("a lab host's machine state", () => {
  it("is not another subnet's host of the same name, which waits aside and comes back with its subnet", async () => {
    await startedHost("web-01", "10.77.0.11", "the demo's");
    const other = { name: "web-01", address: "10.88.0.11" };
    expect(await claimHostDir(paths, other, "10.88.0.0/24")).toEqual([
      "web-01: the web-01 started at 10.77.0.11 (10.77.0.0/24) is another host than this inventory's in 10.88.0.0/24: kept aside with its changes until an inventory puts web-01 in 10.77.0.0/24 again",
    ]);
    expect(await exists(hostPaths(paths, "web-01").dir)).toBe(false);
    expect(await readdir(join(paths.otherSubnetsDir, "10.77.0.0-24"))).toEqual(["web-01"]);

    // The other inventory's web-01 runs and is stopped; the demo's comes up again.
    await startedHost("web-01", "10.88.0.11", "the other's");
    expect(await claimHostDir(paths, { name: "web-01", address: "10.77.0.11" }, "10.77.0.0/24")).toEqual([
      expect.stringMatching(/^web-01: the web-01 started at 10\.88\.0\.11 \(10\.88\.0\.0\/24\) is another host/),
      "web-01: back with its changes from when it last ran in 10.77.0.0/24",
    ]);
    expect(await change("web-01")).toBe("the demo's");
    expect(await claimHostDir(paths, other, "10.88.0.0/24")).toHaveLength(2);
    expect(await change("web-01")).toBe("the other's");
  });

  it("stays the name's for an address moved inside its subnet, and when it never got as far as its record", async () => {
    await startedHost("web-01", "10.77.0.11", "kept");
    expect(await claimHostDir(paths, { name: "web-01", address: "10.77.0.21" }, "10.77.0.0/24")).toEqual([]);
    expect(await change("web-01")).toBe("kept");
    await mkdir(hostPaths(paths, "db-01").upper, { recursive: true });
    expect(await claimHostDir(paths, { name: "db-01", address: "10.88.0.13" }, "10.88.0.0/24")).toEqual([]);
    expect(await exists(hostPaths(paths, "db-01").upper)).toBe(true);
  });

  it("is never overwritten: a second host waiting for the same subnet and name is refused", async () => {
    await mkdir(setAsideDir(paths, "10.77.0.0/24", "web-01"), { recursive: true });
    await startedHost("web-01", "10.77.0.11", "the demo's");
    await expect(claimHostDir(paths, { name: "web-01", address: "10.88.0.11" }, "10.88.0.0/24")).rejects.toThrow(
      /^web-01: cannot set the web-01 of 10\.77\.0\.0\/24 aside: .*other-subnets\/10\.77\.0\.0-24\/web-01 exists already/,
    );
    expect(await change("web-01")).toBe("the demo's");
  });
});
