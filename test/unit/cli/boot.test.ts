import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadCli } from "../../../src/cli/boot.js";

// A stand-in for dist/deploy.cjs: CommonJS, requires a module by a path relative to itself (as the
// bundle requires ssh2 from node_modules), and enough functions for V8 to cache.
const BUNDLE = `
const helper = require("./helper.cjs");
function add(a, b) { return a + b; }
module.exports.main = async (argv) => add(argv.length, helper.base);
`;

let dir: string;
let bundle: string;
let env: NodeJS.ProcessEnv;

function cacheFiles(): string[] {
  return fs.readdirSync(path.join(dir, "cache", "deploy")).filter((f) => f.endsWith(".v8")).sort();
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-boot-"));
  bundle = path.join(dir, "deploy.cjs");
  fs.writeFileSync(bundle, BUNDLE);
  fs.writeFileSync(path.join(dir, "helper.cjs"), "module.exports.base = 40;");
  env = { XDG_CACHE_HOME: path.join(dir, "cache") };
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("loading the bundled CLI with V8's code cache", () => {
  // Within one process V8 answers a second compile of the same source from memory: "used" here says the
  // cache was not refused; boot-bundle.test.ts shows V8 taking it in a new process.
  it("runs the bundle, writes a cache on the first run and finds it on the next", async () => {
    const first = loadCli(bundle, ["validate", "x"], env);
    expect(await first.cli.main(["validate", "x"])).toBe(42);
    expect(first.cache).toBe("missing");
    first.save?.();
    expect(cacheFiles()).toEqual([expect.stringMatching(/^[0-9a-f]{16}-[0-9a-f]{16}\.other\.v8$/)]);
    expect(fs.statSync(path.join(dir, "cache", "deploy")).mode & 0o777).toBe(0o700);

    const second = loadCli(bundle, ["validate", "x"], env);
    expect(second.cache).toBe("used");
    expect(second.save).toBeUndefined();
    expect(await second.cli.main(["a"])).toBe(41);
  });

  it("a run (apply, plan) replaces a lighter command's cache with its own, which later commands use", () => {
    loadCli(bundle, ["validate"], env).save?.();
    const run = loadCli(bundle, ["plan", "inv.yaml"], env);
    expect(run.cache).toBe("used");
    run.save?.();
    expect(cacheFiles()).toEqual([expect.stringMatching(/\.run\.v8$/)]);
    const later = loadCli(bundle, ["vault", "view"], env);
    expect(later.cache).toBe("used");
    expect(later.save).toBeUndefined();
  });

  it("a rebuilt bundle never meets the old bundle's cache, even at the same length, and the old cache goes", async () => {
    loadCli(bundle, ["apply"], env).save?.();
    const before = cacheFiles();
    // Same length: V8's own check of cached data compares the source's length only.
    fs.writeFileSync(bundle, BUNDLE.replace("a + b", "a * b"));
    const rebuilt = loadCli(bundle, ["apply"], env);
    expect(rebuilt.cache).toBe("missing");
    expect(await rebuilt.cli.main(["x", "y"])).toBe(80);
    rebuilt.save?.();
    expect(cacheFiles()).toHaveLength(1);
    expect(cacheFiles()).not.toEqual(before);
  });

  it("keeps no cache where another user could write it (private-cache.ts), and still runs", async () => {
    const shared = path.join(dir, "cache", "deploy");
    fs.mkdirSync(shared, { recursive: true });
    fs.chmodSync(shared, 0o775);
    const loaded = loadCli(bundle, ["plan"], env);
    expect(loaded.cache).toBe("off");
    expect(loaded.save).toBeUndefined();
    expect(await loaded.cli.main([])).toBe(40);
  });
});
