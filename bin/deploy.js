#!/usr/bin/env node
// The published entry point: the CLI is built into dist/ as one bundled file, loaded with V8's code cache
// (src/cli/boot.ts; `npm run build` makes both).
import { boot } from "../dist/boot.js";

process.exitCode = await boot(process.argv.slice(2));
