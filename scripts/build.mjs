// `npm run build`: the CLI as ONE CommonJS file, dist/deploy.cjs, plus dist/boot.js, the entry that loads
// it with V8's code cache (src/cli/boot.ts). Node would otherwise find, read and compile ~370 modules
// (ours, zod's, yaml's...) on every run before the first connection; one cached file starts in about half
// the time (bench/RESULTS.md). Type checking is `npm run typecheck`'s job, not this one's.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}/package.json`, "utf8"));
const common = { absWorkingDir: root, bundle: true, platform: "node", target: "node20", logLevel: "warning" };

/**
 * ssh2's crypto binding (`require("./crypto/build/Release/sshcrypto.node")`) and its optional
 * cpu-features are compiled for this machine at install: the bundle requires them from node_modules, by a
 * package path that resolves from dist/ as it did from ssh2's own files.
 */
const nativeAddons = {
  name: "native-addons",
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => ({
      path: path.relative(`${root}/node_modules`, path.resolve(args.resolveDir, args.path)),
      external: true,
    }));
    b.onResolve({ filter: /^cpu-features$/ }, (args) => ({ path: args.path, external: true }));
  },
};

rmSync(`${root}/dist`, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/deploy.cjs",
  format: "cjs",
  // Native addons stay in node_modules; the bundle requires them from there by package path.
  plugins: [nativeAddons],
  // `deploy --version` without reading package.json from a path relative to a source file.
  define: { DEPLOY_VERSION: JSON.stringify(version) },
  // ...which makes main.ts's import.meta.url (its from-source way) dead code in the bundle.
  logOverride: { "empty-import-meta": "silent" },
});
await build({ ...common, entryPoints: ["src/cli/boot.ts"], outfile: "dist/boot.js", format: "esm" });
