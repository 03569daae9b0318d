// Writes a throwaway project (inventory, playbooks, roles...) into a temp dir for loader tests.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError, formatProblem } from "../../../src/config/problems.js";
import { loadProject } from "../../../src/config/project.js";

export function tempProject(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "deploy-config-"));
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}

/** Minimal valid inventory text with web-01, web-02, db-01. */
export const INVENTORY = `vars:
  app_port: 3000
hosts:
  web-01: { address: 10.0.0.11 }
  web-02: { address: 10.0.0.12 }
  db-01: { address: 10.0.0.21 }
groups:
  web: { hosts: [web-01, web-02] }
  db: { hosts: [db-01] }
`;

/** What `load` reports, as printed lines (files relative to `dir`); [] when it loads. */
export async function problemLines(dir: string, load: () => Promise<unknown>): Promise<string[]> {
  try {
    await load();
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error.problems.map((p) => formatProblem(p, dir));
    throw error;
  }
  return [];
}

/** The problems of a project made of INVENTORY and `files`, loaded with `extraVars`. */
export async function projectProblems(files: Record<string, string>, extraVars: string[] = []): Promise<string[]> {
  const dir = tempProject({ "inventory/i.yaml": INVENTORY, ...files });
  return problemLines(dir, () => loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", extraVars }));
}
