// Which machine state a lab host boots with. A host is its name on a bridge in one /24 (the rule owners.ts
// gives): another inventory on the same bridge (one without `lab:` uses the default bridge) that names a
// host web-01 in another subnet has a host of its own, and must not boot the demo's web-01 with its
// packages, databases and host keys at a new address. Host directories stay keyed by name alone, as every
// lab before had them: the one of another subnet is moved aside while this subnet is up, and moved back
// when its subnet comes up again, so `down`, `status` and existing labs see the layout they always did.
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { readRecord } from "./lab-host.js";
import { inSubnet } from "./owners.js";
import { runningPid } from "./process.js";
import { hostPaths, type LabHost, type LabPaths } from "./spec.js";
import { exists } from "../util/exists.js";

/** "10.77.0.0/24" of an IPv4 address, the lab's one subnet size. */
function subnetOf(address: string): string {
  return `${address.split(".").slice(0, 3).join(".")}.0/24`;
}

/** Where the host `name` of `subnet` waits while another subnet is up on the bridge. */
export function setAsideDir(paths: LabPaths, subnet: string, name: string): string {
  return join(paths.otherSubnetsDir, subnet.replace("/", "-"), name);
}

/**
 * Make the name's host directory the one of `subnet` before the host is started or wiped (it is not
 * running: `up` stopped it). One that was started in another subnet is set aside; this subnet's, set aside
 * by an earlier `up`, comes back. Returns what was done, for the log.
 */
export async function claimHostDir(paths: LabPaths, host: LabHost, subnet: string): Promise<string[]> {
  const hp = hostPaths(paths, host.name);
  const done: string[] = [];
  const record = await readRecord(hp);
  if (record && !inSubnet(record.address, subnet)) {
    const theirs = subnetOf(record.address);
    if (await runningPid(hp.pidFile, hp.root)) {
      throw new Error(`${host.name}: the lab's ${host.name} of ${theirs} is running at ${record.address}; stop it with \`deploy lab down\` and the inventory that started it first`);
    }
    const aside = setAsideDir(paths, theirs, host.name);
    if (await exists(aside)) {
      throw new Error(`${host.name}: cannot set the ${host.name} of ${theirs} aside: ${aside} exists already; remove one of them (it is that host's machine state)`);
    }
    await mkdir(join(aside, ".."), { recursive: true });
    await rename(hp.dir, aside);
    done.push(`${host.name}: the ${host.name} started at ${record.address} (${theirs}) is another host than this inventory's in ${subnet}: kept aside with its changes until an inventory puts ${host.name} in ${theirs} again`);
  }
  const mine = setAsideDir(paths, subnet, host.name);
  if ((await exists(mine)) && !(await exists(hp.dir))) {
    await mkdir(paths.hostsDir, { recursive: true });
    await rename(mine, hp.dir);
    done.push(`${host.name}: back with its changes from when it last ran in ${subnet}`);
  }
  return done;
}
