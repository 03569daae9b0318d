// Load-time mistakes, collected (never thrown one by one) so a run reports ALL of them in one pass.
import path from "node:path";
import { makeRedactor } from "../report/redact.js";
import type { Location } from "./model.js";

export interface Problem {
  location: Location;
  /** Dotted path inside the file, e.g. `hosts.web-01.port` (empty for the whole file). */
  path: string;
  message: string;
}

/** `file:line:col: path: message`, file relative to the working directory when inside it. */
export function formatProblem(problem: Problem, cwd = process.cwd()): string {
  const where = problem.path ? `${problem.path}: ` : "";
  return `${formatLocation(problem.location, cwd)}: ${where}${problem.message}`;
}

/** `file:line:col`, file relative to the working directory when inside it. */
export function formatLocation(location: Location, cwd = process.cwd()): string {
  const { file, line, col } = location;
  const rel = path.relative(cwd, file);
  const shown = rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
  return `${shown}:${line}:${col}`;
}

/** Thrown once, at the end of loading, when any problem was found. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: Problem[]) {
    super(`${problems.length} configuration problem${problems.length === 1 ? "" : "s"}`);
  }
}

/** Accumulates problems across files; `throwIfAny` ends loading with all of them. */
export class Problems {
  readonly list: Problem[] = [];
  add(location: Location, path: string, message: string): void {
    this.list.push({ location, path, message });
  }
  get size(): number {
    return this.list.length;
  }
  /** `secrets`: the values to hide; a message may quote one (a value of the wrong type, say). */
  throwIfAny(secrets: ReadonlySet<string> = new Set()): void {
    if (this.list.length === 0) return;
    const redact = makeRedactor(secrets);
    throw new ConfigError(this.sorted().map((problem) => ({ ...problem, message: redact(problem.message) })));
  }
  sorted(): Problem[] {
    return [...this.list].sort(
      (a, b) =>
        a.location.file.localeCompare(b.location.file) ||
        a.location.line - b.location.line ||
        a.location.col - b.location.col,
    );
  }
}
