// The lookups of a whole probe batch, merged per kind (see modules/lib/lookup.ts): the script runs each
// tool once for all the paths, accounts and units the batch's tasks ask about, using shell builtins for
// the per-item work, and `answer` gives each lookup its lines in the probe protocol.
import path from "node:path";
import { CONTENT_CAP, STAT_FORMAT, TAG } from "../modules/lib/probe.js";
import { UNIT_PROPERTIES, type Lookup } from "../modules/lib/lookup.js";
import { buildSqlLookups } from "../modules/mysql/sql-lookup.js";
import { quote, quoteAll } from "../util/shell.js";

export interface LookupBatch {
  /** Script text (empty without lookups); its output is framed by lines starting with `mark`. */
  script: string;
  /** Read the answers from the batch's stdout; `ran` is false when the lookups did not run to their end. */
  parse(stdout: string): { ran: boolean; answer(lookup: Lookup): string };
}

type Of<K extends Lookup["kind"]> = Extract<Lookup, { kind: K }>;

function unique<T>(values: T[], key: (value: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const value of values) if (!seen.has(key(value))) seen.set(key(value), value);
  return [...seen.values()];
}

/** sha256sum escapes names holding these in its output: such files are hashed on their own. */
const ESCAPED_BY_SHA256SUM = /[\\\n\r]/;

function entriesScript(paths: string[]): string[] {
  // A flag per path (e: exists, a: absent, n: absent and no parent directory, f: absent and its parent is
  // not a directory), then one stat line per
  // existing path, in order. If an entry vanished in between, stat fails: then each path alone, `?` for a failed one.
  return [
    "set --",
    ...paths.map((p) => {
      const q = quote(p);
      const parent = quote(path.posix.dirname(p));
      return `if [ -e ${q} ] || [ -L ${q} ]; then set -- "$@" ${q}; echo e; elif [ -d ${parent} ]; then echo a; elif [ -e ${parent} ]; then echo f; else echo n; fi`;
    }),
    `[ $# -eq 0 ] || stat -c '${STAT_FORMAT}' -- "$@" 2>/dev/null || { echo '?restat'; for p do stat -c '${STAT_FORMAT}' -- "$p" 2>/dev/null || echo '?'; done; }`,
  ];
}

function contentsScript(items: Of<"content">[]): string[] {
  // `=INDEX HASH` per regular file, then its bytes when they differ from the wanted hash.
  const show = [
    `deploy_content() {`,
    `  printf '=%s %s\\n' "$1" "$h"`,
    `  if [ "$h" != "$2" ] && [ "$(stat -c %s -- "$n")" -le ${CONTENT_CAP} ]; then printf '${TAG}b64 current\\n'; base64 < "$n"; printf '${TAG}end\\n'; fi`,
    `}`,
  ];
  const byPath = new Map<string, number[]>();
  items.forEach((item, i) => byPath.set(item.path, [...(byPath.get(item.path) ?? []), i]));
  const calls = (indexes: number[]) => indexes.map((i) => `deploy_content ${i} ${quote(items[i]!.expectedSha256 ?? "")}`).join("; ");
  const lines = [...show, "set --"];
  const branches: string[] = [];
  for (const [p, indexes] of byPath) {
    const q = quote(p);
    if (ESCAPED_BY_SHA256SUM.test(p)) {
      lines.push(`if [ -f ${q} ] && [ ! -L ${q} ] && h=$(sha256sum < ${q}); then h=\${h%%" "*}; n=${q}; ${calls(indexes)}; fi`);
    } else {
      lines.push(`if [ -f ${q} ] && [ ! -L ${q} ]; then set -- "$@" ${q}; fi`);
      branches.push(`    ${q}) ${calls(indexes)} ;;`);
    }
  }
  if (branches.length > 0) {
    lines.push(
      `[ $# -eq 0 ] || sha256sum -- "$@" 2>/dev/null | while IFS= read -r l; do`,
      `  h=\${l%%" "*}; n=\${l#*"  "}`,
      `  case $n in`,
      ...branches,
      `  esac`,
      `done`,
    );
  }
  return lines;
}

function unitsScript(units: Of<"unit">[], mark: string): string[] {
  return [
    `if command -v systemctl >/dev/null 2>&1; then`,
    `  systemctl show -p ${UNIT_PROPERTIES.join(",")} -- ${quoteAll(units.map((u) => u.name))} 2>&1`,
    `  echo '${mark}unit-files'`,
    ...units.map((u, i) => `  for f in ${quoteAll(u.files)}; do if [ -e "$f" ]; then echo ${i}; break; fi; done`),
    `else echo '${TAG}no-systemctl'; fi`,
  ];
}

/** The lines of each section, by name, from the framed output. */
function sections(stdout: string, mark: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stdout.split("\n")) {
    if (line.startsWith(mark)) {
      current = [];
      found.set(line.slice(mark.length), current);
    } else current?.push(line);
  }
  return found;
}

function entryAnswers(paths: string[], lines: string[]): Map<string, string> {
  const answers = new Map<string, string>();
  const flags = lines.slice(0, paths.length);
  let stats = lines.slice(paths.length);
  const restat = stats.indexOf("?restat");
  if (restat >= 0) stats = stats.slice(restat + 1);
  let next = 0;
  paths.forEach((p, i) => {
    const flag = flags[i];
    if (flag === "a") answers.set(p, `${TAG}absent`);
    else if (flag === "n") answers.set(p, `${TAG}absent\n${TAG}noparent ${path.posix.dirname(p)}`);
    else if (flag === "f") answers.set(p, `${TAG}absent\n${TAG}noparent ${path.posix.dirname(p)}\n${TAG}parent-not-dir`);
    else if (flag === "e") {
      const stat = stats[next++];
      answers.set(p, stat && stat !== "?" ? `${TAG}stat ${stat}` : `stat: cannot read ${p}`);
    }
  });
  return answers;
}

function contentAnswers(count: number, lines: string[]): string[] {
  const answers: string[][] = Array.from({ length: count }, () => []);
  let current: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^=(\d+) (.*)$/.exec(line);
    if (m) {
      current = answers[Number(m[1])];
      current?.push(`${TAG}sha256 ${m[2]}`);
    } else if (line === `${TAG}b64 current` && current) {
      // The block ends at the end line: base64 never produces it.
      const end = lines.indexOf(`${TAG}end`, i);
      const stop = end < 0 ? lines.length : end;
      current.push(...lines.slice(i, stop), `${TAG}end`);
      i = stop;
    }
  }
  return answers.map((a) => a.join("\n"));
}

function unitAnswers(units: Of<"unit">[], lines: string[], files: string[]): string[] {
  const text = lines.join("\n").trim();
  if (text === `${TAG}no-systemctl`) return units.map(() => text);
  const blocks = text.split(/\n\s*\n/);
  const withFile = new Set(files.map((l) => l.trim()));
  return units.map((_, i) => {
    // Blocks come in the order of the units asked; any other count is an error message, kept as noise
    // (prefixed so that no line of it can pass for a property of this unit).
    if (blocks.length !== units.length) return text.split("\n").map((l) => `! ${l}`).join("\n");
    // `Key=value` becomes `#deploy:Key value`, the protocol every probe answers in.
    const properties = blocks[i]!.split("\n").map((l) => l.replace(/^(\w+)=/, `${TAG}$1 `));
    if (withFile.has(String(i))) properties.push(`${TAG}unit-file`);
    return properties.join("\n");
  });
}

export function buildLookupBatch(lookups: Lookup[], mark: string): LookupBatch {
  const of = <K extends Lookup["kind"]>(kind: K) => lookups.filter((l): l is Of<K> => l.kind === kind);
  const paths = unique(of("entry"), (l) => l.path).map((l) => l.path);
  const contents = unique(of("content"), (l) => `${l.path}\0${l.expectedSha256 ?? ""}`);
  const users = unique(of("account").filter((l) => l.db === "passwd"), (l) => l.name).map((l) => l.name);
  const groups = unique(of("account").filter((l) => l.db === "group"), (l) => l.name).map((l) => l.name);
  const units = unique(of("unit"), (l) => l.name);
  // The sessions frame their statements with lines of their own, which must not pass for a section mark.
  const sql = buildSqlLookups(of("sql"), `=${mark}sql-`);
  if (lookups.length === 0) return { script: "", parse: () => ({ ran: true, answer: () => "" }) };

  const lines: string[] = ["{"];
  const section = (name: string, body: string[]) => lines.push(`echo '${mark}${name}'`, ...body);
  if (paths.length) section("entries", entriesScript(paths));
  if (contents.length) section("contents", contentsScript(contents));
  if (users.length) section("passwd", [`getent passwd ${quoteAll(users)}`]);
  if (groups.length) section("group", [`getent group ${quoteAll(groups)}`]);
  if (units.length) section("units", unitsScript(units, mark));
  if (of("sql").length) section("sql", sql.script);
  lines.push(`echo '${mark}done'`, "} </dev/null 2>/dev/null");

  return {
    script: lines.join("\n"),
    parse(stdout) {
      const found = sections(stdout, mark);
      const entries = entryAnswers(paths, found.get("entries") ?? []);
      const contentText = contentAnswers(contents.length, found.get("contents") ?? []);
      // getent prints the entries it found, one per line, each starting with `name:`.
      const entriesOf = (db: string) => new Map((found.get(db) ?? []).filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l]));
      const accounts = { passwd: entriesOf("passwd"), group: entriesOf("group") };
      const unitText = unitAnswers(units, found.get("units") ?? [], found.get("unit-files") ?? []);
      const sqlText = sql.parse(found.get("sql") ?? []);
      return {
        ran: found.has("done"),
        answer(lookup) {
          switch (lookup.kind) {
            case "entry":
              return entries.get(lookup.path) ?? "";
            case "content":
              return contentText[contents.findIndex((c) => c.path === lookup.path && c.expectedSha256 === lookup.expectedSha256)] ?? "";
            case "account": {
              const entry = accounts[lookup.db].get(lookup.name);
              if (entry !== undefined) return `${TAG}${lookup.db} ${entry}`;
              return `${TAG}${lookup.db === "passwd" ? "nouser" : "nogroup"} ${lookup.name}`;
            }
            case "unit":
              return unitText[units.findIndex((u) => u.name === lookup.name)] ?? "";
            case "sql":
              return sqlText(lookup);
          }
        },
      };
    },
  };
}
