// What bin/deploy.js runs: loads the bundled CLI (dist/deploy.cjs, scripts/build.mjs) with V8's code cache.
// Compiling the bundle's JavaScript is a good part of every run's start; with the cache V8 takes the code
// it compiled last time instead (Node 22's module.enableCompileCache does the same; Node 20 has only
// vm.Script's cachedData). V8 runs cached code as it is: the cache lives only where no one else can write
// (private-cache.ts), and its name carries a hash of the bundle's bytes, since V8 itself compares only
// the source's length: a rebuilt bundle never meets the code of the previous one.
import { createHash } from "node:crypto";
import fs from "node:fs";
import Module, { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { cacheDir, privateDir, readPrivate, writePrivate } from "./private-cache.js";

export interface CliModule {
  main(argv: string[]): Promise<number>;
}

/** Why this run writes the cache: none was usable, or a run (apply, plan) meets one that a lighter command wrote. */
export type CacheKind = "run" | "other";

/**
 * `<hash of the bundle's path>-<hash of its bytes, Node's version and the CPU>`: one cache per installed
 * bundle (`<key>.run.v8` or `<key>.other.v8`), replaced when the bundle changes. A run's cache holds the
 * engine's compiled code too; one written by `deploy validate` only what validate compiled.
 */
export function cacheKey(bundlePath: string, bytes: Buffer): string {
  const hash = (...parts: Array<string | Buffer>) => {
    const h = createHash("sha256");
    for (const part of parts) h.update(part);
    return h.digest("hex").slice(0, 16);
  };
  return `${hash(bundlePath)}-${hash(`${process.version} ${process.arch}\n`, bytes)}`;
}

const RUN_COMMANDS = new Set(["apply", "plan"]);

/** How the code cache served a load: `off` when there is no private directory to keep it in. */
export type CacheUse = "off" | "missing" | "used" | "rejected";

export interface LoadedCli {
  cli: CliModule;
  cache: CacheUse;
  /** Writes this run's cache; set when it would be better than the one found. Call it at exit. */
  save?: () => void;
}

/** Loads the bundle with the code cache that fits `argv`'s command. */
export function loadCli(bundlePath: string, argv: string[], env: NodeJS.ProcessEnv = process.env): LoadedCli {
  const bytes = fs.readFileSync(bundlePath);
  const source = bytes.toString("utf8");
  const key = cacheKey(bundlePath, bytes);
  const file = (kind: CacheKind) => `${key}.${kind}.v8`;
  const dir = cacheDir(env);
  const cacheHome = dir !== undefined ? privateDir(dir) : undefined;
  const wanted: CacheKind = RUN_COMMANDS.has(argv[0] ?? "") ? "run" : "other";
  let found: { kind: CacheKind; data: Buffer } | undefined;
  for (const kind of ["run", "other"] as const) {
    const data = cacheHome && readPrivate(cacheHome, file(kind));
    if (data) {
      found = { kind, data };
      break;
    }
  }
  // No importModuleDynamically: the bundle has no import() left (esbuild made them requires), and the
  // option's USE_MAIN_CONTEXT_DEFAULT_LOADER exists only from Node 20.12.
  const script = new vm.Script(Module.wrap(source), { filename: bundlePath, ...(found ? { cachedData: found.data } : {}) });
  const cache: CacheUse = !cacheHome ? "off" : !found ? "missing" : script.cachedDataRejected ? "rejected" : "used";
  const module = { exports: {} as CliModule };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, createRequire(bundlePath), module, bundlePath, path.dirname(bundlePath));
  const better = cache === "missing" || cache === "rejected" || (cache === "used" && wanted === "run" && found?.kind === "other");
  const sameBundle = key.slice(0, key.indexOf("-") + 1);
  return {
    cli: module.exports,
    cache,
    ...(cacheHome && better ? { save: () => writePrivate(cacheHome, file(wanted), () => script.createCachedData(), sameBundle) } : {}),
  };
}

export function boot(argv: string[]): Promise<number> {
  const loaded = loadCli(path.join(path.dirname(fileURLToPath(import.meta.url)), "deploy.cjs"), argv);
  // At exit, so the cache holds every function the run compiled, not only the bundle's top level.
  if (loaded.save) process.once("exit", loaded.save);
  return loaded.cli.main(argv);
}
