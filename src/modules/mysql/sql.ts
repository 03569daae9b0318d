// THE escaping helper for SQL text sent to MySQL/MariaDB. Every identifier and every string value that goes
// into a statement passes through `ident` or `str`; nothing else builds SQL from values.
//
// String literals use backslash escapes, which are only right when the session's sql_mode lacks
// NO_BACKSLASH_ESCAPES; every SQL text this project sends starts with SESSION_PRELUDE, which removes it.
// Newlines never appear raw in a literal (they become \n), so generated SQL has one statement per line and
// can safely travel in a shell here-document.

/** `name` as a backtick-quoted identifier (database, table): backticks doubled. */
export function ident(name: string): string {
  if (name.includes("\0")) throw new Error("an SQL identifier cannot contain NUL");
  if (/[\n\r]/.test(name)) throw new Error("an SQL identifier cannot contain a line break");
  return "`" + name.replace(/`/g, "``") + "`";
}

const STRING_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "'": "\\'",
  "\0": "\\0",
  "\n": "\\n",
  "\r": "\\r",
  "\x1a": "\\Z",
};

/** `value` as a single-quoted string literal. */
export function str(value: string): string {
  return "'" + value.replace(/[\\'\0\n\r\x1a]/g, (c) => STRING_ESCAPES[c] ?? c) + "'";
}

/** An account as `'user'@'host'`. */
export function account(user: string, host: string): string {
  return `${str(user)}@${str(host)}`;
}

/**
 * First statement of every SQL text we send: drop NO_BACKSLASH_ESCAPES from this session only (a server
 * configured with it would otherwise read `\'` in our literals as the end of the string).
 */
export const SESSION_PRELUDE =
  "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','));";

/** Statements as one SQL text, prelude first, one statement per line. */
export function sqlText(statements: ReadonlyArray<string>): string {
  return [SESSION_PRELUDE, ...statements].join("\n") + "\n";
}
