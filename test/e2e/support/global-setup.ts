// The e2e suites boot labs and share them for the whole run; when the run ends, the labs it booted are
// stopped, so a test run leaves no containers behind. A lab that was already up (the demo's, a lab a
// developer is using) is left as it was found. A lab is up while its bridge exists: `lab down` removes it.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { defaultLabContext, labDownBridge } from "../../../src/lab/lab.js";
import { DEFAULT_STATE_DIR } from "../../../src/lab/spec.js";

const stateDir = process.env["DEPLOY_LAB_STATE_DIR"] || DEFAULT_STATE_DIR;

function labsUp(): string[] {
  const labs = join(stateDir, "labs");
  const bridges = existsSync(labs) ? readdirSync(labs) : [];
  return bridges.filter((bridge) => existsSync(join("/sys/class/net", bridge)));
}

export default function setup(): () => Promise<void> {
  const before = new Set(labsUp());
  return async () => {
    const ctx = defaultLabContext((line) => console.log(`[lab teardown] ${line}`));
    for (const bridge of labsUp().filter((b) => !before.has(b))) await labDownBridge({ bridge, stateDir }, ctx);
  };
}
