// `npm run build`: the CLI as ONE CommonJS file, dist/deploy.cjs, plus dist/boot.js, the entry that loads
// it with V8's code cache (src/cli/boot.ts). Node would otherwise find, read and compile ~370 modules
// (ours, zod's, yaml's...) on every run before the first connection; one cached file starts in about half
// the time (bench/RESULTS.md). Type checking is `npm run typecheck`'s job, not this one's.
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}/package.json`, "utf8"));
const common = { absWorkingDir: root, bundle: true, platform: "node", target: "node20", logLevel: "warning" };

rmSync(`${root}/dist`, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/deploy.cjs",
  format: "cjs",
  // ssh2 finds its native crypto binding by a path relative to its own files: it stays in node_modules.
  external: ["ssh2"],
  // `deploy --version` without reading package.json from a path relative to a source file.
  define: { DEPLOY_VERSION: JSON.stringify(version) },
  // ...which makes main.ts's import.meta.url (its from-source way) dead code in the bundle.
  logOverride: { "empty-import-meta": "silent" },
});
await build({ ...common, entryPoints: ["src/cli/boot.ts"], outfile: "dist/boot.js", format: "esm" });
