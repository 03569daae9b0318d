// The SQL lookups of a probe batch, in ONE client session per login (see lib/lookup.ts). Starting the
// client costs the host 25-50 ms of CPU, and a converged database host probes half a dozen accounts and
// databases per batch: one session each was most of a plan's wall time.
//
// Each lookup must get exactly the answer its own client run would have printed (probeScript's protocol:
// its rows, `#deploy:client-exit RC`, then the rows of its follow-ups), and nothing of another lookup's.
// So the session runs with --force (one statement's error must not stop the others) and --unbuffered
// (each result is written before the next statement's error), every statement is preceded by a SELECT of
// a frame line carrying the batch nonce, and every error is attributed by the line number the client
// prints (`ERROR 1146 (42S02) at line 7: ...`): SQL text has one statement per line (sql.ts). For each
// lookup the parse then replays what its own client would have done: stop at its first failing statement
// (exit 1, that error with the line number of its own SQL text), skip follow-ups unless the first run
// succeeded and printed their row. Follow-ups run in the session anyway, so they must be read-only
// queries whose error (no such account, no such table) harms nothing.
//
// A client that cannot start or log in fails the same way for every lookup of its login: each gets that
// output and exit code, as its own run would have.
import { clientOptions, type LoginParams } from "./client.js";
import { SESSION_PRELUDE } from "./sql.js";

/** More statements, run when the first ones succeeded and printed a row tagged `#deploy:<when>`. */
export interface SqlFollowUp {
  when: string;
  statements: string[];
  /** Prefix each row with `#deploy:<tag>\t` (for results without a tag column, such as SHOW GRANTS). */
  tag?: string;
}

/** Read-only statements for the server, run as `login`; statements are single lines built with sql.ts. */
export interface SqlLookup {
  kind: "sql";
  login: LoginParams;
  statements: string[];
  then?: SqlFollowUp[];
}

export interface SqlLookups {
  /** Script lines; their output is framed by lines starting with `frame` (which must carry a nonce). */
  script: string[];
  /** Each lookup's answer from the lines the script printed. */
  parse(lines: string[]): (lookup: SqlLookup) => string;
}

const HEREDOC_END = "DEPLOY_SQL_END";
const ERROR_AT_LINE = /^ERROR \d+(?: \([0-9A-Z]+\))? at line (\d+)/;

/** One client run of a lookup as its own script would have sent it: the prelude, then its statements. */
interface Call {
  statements: string[];
  when?: string;
  tag?: string;
}

function callsOf(lookup: SqlLookup): Call[] {
  return [{ statements: lookup.statements }, ...(lookup.then ?? [])].map((call) => ({ ...call, statements: [SESSION_PRELUDE, ...call.statements] }));
}

/** Where a statement of the session came from: lookup, call, and its index in that call's SQL text. */
interface Origin {
  lookup: number;
  call: number;
  statement: number;
}

/** What the session printed for one statement. */
interface Printed {
  rows: string[];
  errors: string[];
}

export function buildSqlLookups(lookups: SqlLookup[], frame: string): SqlLookups {
  if (!/^[A-Za-z0-9@=_ -]+$/.test(frame)) throw new Error(`a frame line must be plain text: ${frame}`);
  const unique = new Map(lookups.map((l) => [JSON.stringify(l), l]));
  const indexOf = new Map([...unique.keys()].map((k, i) => [k, i]));
  const list = [...unique.values()];
  // Lookups with the same client options share a session: same login, same server.
  const sessions = new Map<string, number[]>();
  list.forEach((l, i) => {
    const options = clientOptions(l.login);
    sessions.set(options, [...(sessions.get(options) ?? []), i]);
  });
  const sessionOf = new Map([...sessions.values()].flatMap((members, s) => members.map((i) => [i, s] as const)));
  /** Per session: the origin of the statement on each line of its SQL text. */
  const origins: Array<Map<number, Origin>> = [];
  const script: string[] = [`if c=$(command -v mariadb || command -v mysql); then`];
  [...sessions].forEach(([options, members], s) => {
    const sql: string[] = [];
    const origin = new Map<number, Origin>();
    for (const lookup of members) {
      callsOf(list[lookup]!).forEach((call, c) =>
        call.statements.forEach((statement, i) => {
          if (/[\n\r]/.test(statement) || statement === HEREDOC_END) throw new Error("an SQL statement of a lookup must be one line");
          sql.push(`SELECT '${frame}q ${lookup} ${c} ${i}';`, statement);
          origin.set(sql.length, { lookup, call: c, statement: i });
        }),
      );
    }
    origins.push(origin);
    script.push(
      `echo '${frame}session ${s}'`,
      `"$c" ${options} --batch --skip-column-names --force --unbuffered 2>&1 <<'${HEREDOC_END}'`,
      ...sql,
      HEREDOC_END,
      `printf '\\n%s %s\\n' '${frame}exit ${s}' "$?"`,
    );
  });
  script.push(`else echo '${frame}no-client'; fi`);

  return {
    script,
    parse(lines) {
      if (lines.includes(`${frame}no-client`)) return () => "#deploy:no-client\n";
      const read = readSessions(lines, frame, origins);
      return (lookup) => {
        const index = indexOf.get(JSON.stringify(lookup));
        const session = index === undefined ? undefined : read[sessionOf.get(index) ?? -1];
        return session && index !== undefined ? answer(callsOf(lookup), index, session) : "";
      };
    },
  };
}

interface Session {
  /** The client's exit code; undefined when the session did not end (the batch was cut short). */
  exit: number | undefined;
  /** Lines printed before the first statement: the client's start-up messages, or its whole output when it could not start or log in. */
  loose: string[];
  printed: Map<string, Printed>;
}

const key = (lookup: number, call: number, statement: number) => `${lookup} ${call} ${statement}`;

function readSessions(lines: string[], frame: string, origins: Array<Map<number, Origin>>): Session[] {
  const sessions: Session[] = origins.map(() => ({ exit: undefined, loose: [], printed: new Map() }));
  let session: Session | undefined;
  let origin: Map<number, Origin> | undefined;
  let current: Printed | undefined;
  for (const line of lines) {
    if (line.startsWith(`${frame}session `)) {
      const s = Number(line.slice(`${frame}session `.length));
      session = sessions[s];
      origin = origins[s];
      current = undefined;
    } else if (!session || !origin) continue;
    else if (line.startsWith(`${frame}exit `)) {
      session.exit = Number(line.split(" ").pop());
      // The exit line is printed after a newline: the body's last line is empty when the client ended its own.
      const last = current?.rows ?? session.loose;
      if (last[last.length - 1] === "") last.pop();
      session = undefined;
    } else if (line.startsWith(`${frame}q `)) {
      const [lookup, call, statement] = line.slice(`${frame}q `.length).split(" ").map(Number);
      current = printedOf(session, key(lookup!, call!, statement!));
    } else {
      const at = ERROR_AT_LINE.exec(line);
      const from = at ? origin.get(Number(at[1])) : undefined;
      if (from) {
        // The line number its own SQL text would have had: prelude on line 1, one statement per line.
        printedOf(session, key(from.lookup, from.call, from.statement)).errors.push(line.replace(/ at line \d+/, ` at line ${from.statement + 1}`));
      } else if (at) {
        // A frame's own SELECT failed (the server went away mid-session): no lookup's statement. Each
        // statement after it reports its own error; this one is no row of the statement before.
        continue;
      } else if (current) current.rows.push(line);
      else session.loose.push(line);
    }
  }
  return sessions;
}

function printedOf(session: Session, at: string): Printed {
  const found = session.printed.get(at);
  if (found) return found;
  const printed: Printed = { rows: [], errors: [] };
  session.printed.set(at, printed);
  return printed;
}

/**
 * What one call would have printed on its own: what the client prints as it starts (warnings; the whole
 * output of a client that could not start or log in), its rows until its first failing statement, then
 * that statement's error.
 */
function replay(call: Call, lookup: number, c: number, session: Session): { start: string[]; rows: string[]; errors: string[]; exit: number } {
  const start = session.loose;
  const rows: string[] = [];
  for (let i = 0; i < call.statements.length; i++) {
    const printed = session.printed.get(key(lookup, c, i));
    // Never reached: the client stopped (or could not start or log in) before this statement.
    if (printed === undefined) return { start, rows, errors: [], exit: session.exit || 1 };
    if (printed.errors.length > 0) return { start, rows, errors: printed.errors, exit: 1 };
    rows.push(...printed.rows);
  }
  return { start, rows, errors: [], exit: 0 };
}

function answer(calls: Call[], lookup: number, session: Session): string {
  if (session.exit === undefined) return "";
  const [first, ...then] = calls;
  const ran = replay(first!, lookup, 0, session);
  const out = [...ran.start, ...ran.rows, ...ran.errors];
  // As `out=$(client 2>&1)` and printf '%s\n' "$out": trailing empty lines dropped, one newline added.
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  let text = `${out.join("\n")}\n#deploy:client-exit\t${ran.exit}\n`;
  if (ran.exit !== 0) return text;
  then.forEach((call, i) => {
    if (!out.some((line) => line.startsWith(`#deploy:${call.when ?? ""}\t`))) return;
    const { start, rows, errors } = replay(call, lookup, i + 1, session);
    // A tag prefixes the rows only (as `| sed` did): the client's messages went to stderr.
    const prefix = call.tag === undefined ? "" : `#deploy:${call.tag}\t`;
    text += [...start, ...rows.map((row) => prefix + row), ...errors].map((line) => line + "\n").join("");
  });
  return text;
}
