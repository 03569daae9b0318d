// The built CLI (bin/deploy.js -> dist/boot.js -> dist/deploy.cjs) and its code cache, in fresh processes:
// within one process V8 reuses what it compiled and never looks at a cache, so only a new process shows
// whether the cache is taken or refused.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const BIN = path.join(ROOT, "bin/deploy.js");
const run = promisify(execFile);
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };

let cacheHome: string;
const cacheDir = () => path.join(cacheHome, "deploy");
const caches = () => fs.readdirSync(cacheDir()).filter((f) => f.endsWith(".v8"));

async function deploy(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, XDG_CACHE_HOME: cacheHome } });
  return stdout;
}

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, "dist/deploy.cjs"))) throw new Error("the CLI is not built: run `npm run build` first (npm test does)");
});
beforeEach(() => {
  cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-cache-"));
});
afterEach(() => fs.rmSync(cacheHome, { recursive: true, force: true }));

describe("the built CLI's code cache", () => {
  it("is written by the first run and taken, unchanged, by the next", async () => {
    expect(await deploy("--version")).toBe(`${pkg.version}\n`);
    const [name] = caches();
    expect(name).toMatch(/\.other\.v8$/);
    const written = fs.statSync(path.join(cacheDir(), name!));
    expect(written.size).toBeGreaterThan(10_000);

    expect(await deploy("--version")).toBe(`${pkg.version}\n`);
    // Rewritten only when V8 refuses it: the same file, untouched, means V8 took it.
    expect(caches()).toEqual([name]);
    expect(fs.statSync(path.join(cacheDir(), name!)).mtimeMs).toBe(written.mtimeMs);
  });

  it("a damaged cache is refused by V8, the command still works, and a good cache replaces it", async () => {
    await deploy("--version");
    const [name] = caches();
    const file = path.join(cacheDir(), name!);
    fs.writeFileSync(file, Buffer.alloc(4096, 7));
    expect(await deploy("--version")).toBe(`${pkg.version}\n`);
    const rewritten = fs.readFileSync(file);
    expect(rewritten.equals(Buffer.alloc(4096, 7))).toBe(false);
    expect(rewritten.length).toBeGreaterThan(10_000);
  });
});
