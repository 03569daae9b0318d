// A stand-in for the mariadb client, as a StubShell tool body: it reads SQL on stdin one statement per
// line and answers from rules, the way the real client does in --batch mode (checked against MariaDB
// 10.11): a `SELECT 'text';` prints the text, an error goes to stderr as `ERROR n (state) at line N: ...`
// and stops the run with exit 1, unless --force, where the client echoes the failed statement between
// dashes on stdout, goes on, and exits 0. Every statement is appended to $STUB_CALLS.sql.
import { quote } from "../../../src/util/shell.js";

export interface FakeRule {
  /** Substring of the statement. */
  match: string;
  rows?: string[];
  /** `1146 (42S02): Table 'x' doesn't exist` */
  error?: string;
}

export interface FakeLogin {
  /** Substring of an argument: the client prints `output` on stderr as it starts, and fails unless `exit` is 0. */
  arg: string;
  output: string;
  exit: number;
}

export function fakeMysql(rules: FakeRule[], logins: FakeLogin[] = []): string {
  const printf = (lines: string[]) => lines.map((l) => `printf '%s\\n' ${quote(l)}`).join("; ");
  const loginChecks = logins.map(
    (l) => `case " $* " in *${quote(l.arg)}*) printf '%s\\n' ${quote(l.output)} >&2; ${l.exit === 0 ? "" : `cat >/dev/null; exit ${l.exit}`} ;; esac`,
  );
  const branches = rules.map((r) => {
    const error = r.error?.replace(/^(\d+(?: \([0-9A-Z]+\))?)/, "$1 at line %s");
    const body = error ? `fail ${quote(error)}` : printf(r.rows ?? []) || ":";
    return `    *${quote(r.match)}*) ${body} ;;`;
  });
  return [
    ...loginChecks,
    `force=; case " $* " in *" --force "*) force=1 ;; esac`,
    `n=0`,
    `fail() { if [ -n "$force" ]; then printf -- '--------------\\n%s\\n--------------\\n\\n' "$line"; fi; printf "ERROR $1\\n" "$n" >&2; [ -n "$force" ] || exit 1; }`,
    `while IFS= read -r line; do`,
    `  n=$((n + 1)); printf '%s\\n' "$line" >> "$STUB_CALLS.sql"`,
    `  v=\${line#"SELECT '"}; v=\${v%"';"}`,
    `  case $line in "SELECT '"*"';") case $v in *"'"*) ;; *) printf '%s\\n' "$v"; continue ;; esac ;; esac`,
    `  case $line in`,
    ...branches,
    `  esac`,
    `done`,
    `exit 0`,
  ].join("\n");
}
