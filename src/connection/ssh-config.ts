// The part of ~/.ssh/config that decides how to reach a host: Host blocks (patterns, `!` negation),
// HostName, User, Port, IdentityFile, ProxyJump. As in OpenSSH the first value found for a keyword wins,
// except IdentityFile, which accumulates. `Match` blocks are not evaluated (their settings are skipped).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { globMatch } from "./known-hosts.js";

export interface SshConfigBlock {
  /** Host patterns; `undefined` for settings before the first Host line (they apply to every host). */
  patterns: string[] | undefined;
  /** False for a `Match` block: its settings are never applied. */
  applies: boolean;
  settings: Array<{ keyword: string; value: string; line: number }>;
}

export interface SshConfig {
  file: string;
  blocks: SshConfigBlock[];
}

/** Settings for one host after matching; raw values (tokens such as %h are expanded by the caller). */
export interface SshHostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
}

const KEYWORDS = new Set(["hostname", "user", "port", "identityfile", "proxyjump"]);

/** Split a config line into words, honouring double quotes (`IdentityFile "~/my keys/id"`). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) words.push(m[1] ?? m[2] ?? "");
  return words;
}

export interface ParseOptions {
  /** Reads an Include'd file; default reads from disk. Returns undefined when it does not exist. */
  readFile?: (path: string) => string | undefined;
  /** Lists files for an Include glob such as `config.d/*`. */
  listDir?: (dir: string) => string[];
  home: string;
}

export function parseSshConfig(text: string, file: string, options: ParseOptions, depth = 0): SshConfig {
  const blocks: SshConfigBlock[] = [{ patterns: undefined, applies: true, settings: [] }];
  const current = (): SshConfigBlock => blocks[blocks.length - 1]!;
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!match) return;
    const keyword = (match[1] ?? "").toLowerCase();
    const rest = match[2] ?? "";
    if (keyword === "host") {
      blocks.push({ patterns: splitWords(rest), applies: true, settings: [] });
    } else if (keyword === "match") {
      blocks.push({ patterns: undefined, applies: false, settings: [] });
    } else if (keyword === "include" && depth < 8) {
      // Included files are spliced in place, inside the current block (as OpenSSH does).
      for (const included of expandInclude(splitWords(rest), file, options)) {
        const sub = parseSshConfig(included.text, included.file, options, depth + 1);
        const [head, ...others] = sub.blocks;
        if (head) current().settings.push(...head.settings);
        blocks.push(...others);
      }
    } else if (KEYWORDS.has(keyword)) {
      const value = splitWords(rest)[0];
      if (value !== undefined) current().settings.push({ keyword, value, line: index + 1 });
    }
  });
  return { file, blocks };
}

function expandInclude(words: string[], file: string, options: ParseOptions): Array<{ file: string; text: string }> {
  const read = options.readFile ?? readIfExists;
  const list = options.listDir ?? listDir;
  const out: Array<{ file: string; text: string }> = [];
  for (const word of words) {
    const expanded = word.startsWith("~/") ? join(options.home, word.slice(2)) : word;
    const path = isAbsolute(expanded) ? expanded : join(dirname(file), expanded);
    const base = path.slice(path.lastIndexOf("/") + 1);
    const paths = /[*?]/.test(base)
      ? list(dirname(path)).filter((name) => globMatch(base, name)).sort().map((name) => join(dirname(path), name))
      : [path];
    for (const p of paths) {
      const text = read(p);
      if (text !== undefined) out.push({ file: p, text });
    }
  }
  return out;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** OpenSSH Host matching: some positive pattern matches and no negated one does. */
export function hostPatternsMatch(patterns: string[], host: string): boolean {
  const name = host.toLowerCase();
  let positive = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    const glob = (negated ? pattern.slice(1) : pattern).toLowerCase();
    if (globMatch(glob, name)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

/** The settings that apply to `host` (the name the user connects to), first value wins. */
export function sshConfigFor(config: SshConfig | undefined, host: string): SshHostConfig {
  const result: SshHostConfig = { identityFiles: [] };
  if (!config) return result;
  for (const block of config.blocks) {
    if (!block.applies) continue;
    if (block.patterns !== undefined && !hostPatternsMatch(block.patterns, host)) continue;
    for (const { keyword, value } of block.settings) {
      switch (keyword) {
        case "hostname":
          result.hostName ??= value;
          break;
        case "user":
          result.user ??= value;
          break;
        case "port": {
          const port = Number(value);
          if (result.port === undefined && Number.isInteger(port) && port > 0 && port < 65536) result.port = port;
          break;
        }
        case "identityfile":
          if (!result.identityFiles.includes(value)) result.identityFiles.push(value);
          break;
        case "proxyjump":
          result.proxyJump ??= value;
          break;
      }
    }
  }
  return result;
}

export interface TokenValues {
  /** %h: the remote host name (after HostName). */
  host: string;
  /** %n: the name as given before HostName. */
  original: string;
  /** %r: remote user. */
  remoteUser: string;
  /** %u: local user. */
  localUser: string;
  /** %d: local home. */
  home: string;
  /** %p: port. */
  port: number;
}

/** Expand `~` and the %-tokens OpenSSH allows in HostName and IdentityFile. */
export function expandTokens(value: string, tokens: TokenValues): string {
  const expanded = value.replace(/%([%hnrudp])/g, (_, token: string) => {
    switch (token) {
      case "%":
        return "%";
      case "h":
        return tokens.host;
      case "n":
        return tokens.original;
      case "r":
        return tokens.remoteUser;
      case "u":
        return tokens.localUser;
      case "d":
        return tokens.home;
      default:
        return String(tokens.port);
    }
  });
  if (expanded === "~") return tokens.home;
  return expanded.startsWith("~/") ? join(tokens.home, expanded.slice(2)) : expanded;
}
