#!/usr/bin/env node
// The published entry point: compiled code lives in dist/ (Node 20 cannot run TypeScript directly).
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
