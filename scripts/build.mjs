// `npm run build`: the CLI as ONE CommonJS file, dist/deploy.cjs, plus dist/boot.js, the entry that loads
// it with V8's code cache (src/cli/boot.ts). Node would otherwise find, read and compile ~370 modules
// (ours, zod's, yaml's, ssh2's...) on every run before the first connection; one cached file starts in
// about half the time (bench/RESULTS.md). Type checking is `npm run typecheck`'s job, not this one's.
import { build } from "esbuild";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}/package.json`, "utf8"));
const common = { absWorkingDir: root, bundle: true, platform: "node", target: "node20", logLevel: "warning" };
const outfile = path.join(root, "dist/deploy.cjs");

/**
 * ssh2's crypto binding (`require("./crypto/build/Release/sshcrypto.node")`) and its optional
 * cpu-features are compiled for this machine at install: the bundle requires them from node_modules by
 * package path. ssh2 falls back to slower JavaScript crypto, silently, when its binding does not load, so
 * the build checks that each path it wrote finds the file from dist/.
 */
const addons = [];
const nativeAddons = {
  name: "native-addons",
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const file = path.resolve(args.resolveDir, args.path);
      const marker = `${path.sep}node_modules${path.sep}`;
      const packagePath = file.slice(file.lastIndexOf(marker) + marker.length).split(path.sep).join("/");
      addons.push({ file, packagePath });
      return { path: packagePath, external: true };
    });
    b.onResolve({ filter: /^cpu-features$/ }, (args) => ({ path: args.path, external: true }));
  },
};

// Over the previous build, not after deleting it: tests running meanwhile keep finding a whole CLI.
await build({
  ...common,
  entryPoints: ["src/cli/main.ts"],
  outfile,
  format: "cjs",
  plugins: [nativeAddons],
  // Class and function names as written (error messages, stack traces).
  keepNames: true,
  // `deploy --version` without reading package.json from a path relative to a source file...
  define: { DEPLOY_VERSION: JSON.stringify(version), "import.meta.url": "__bundleUrl" },
  // ...and import.meta.url, which CommonJS lacks, as the bundle's own URL.
  // (The banner goes above esbuild's "use strict": it must say it again, or the whole bundle runs sloppy.)
  banner: { js: '"use strict";\nconst __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
});
await build({ ...common, entryPoints: ["src/cli/boot.ts"], outfile: path.join(root, "dist/boot.js"), format: "esm" });

for (const { file, packagePath } of addons) {
  if (!existsSync(file)) continue; // not compiled at install (no compiler): ssh2 does without it
  const found = createRequire(outfile).resolve(packagePath);
  if (realpathSync(found) !== realpathSync(file)) throw new Error(`build: the bundle's require("${packagePath}") finds ${found}, not ${file}`);
}
