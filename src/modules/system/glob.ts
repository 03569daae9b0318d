// A path pattern as Ansible's creates/removes take it (Python's glob): `*`, `?` and `[...]` match names,
// anything else is literal. In the shell the pattern's literal runs are quoted through quote() and only
// the wildcards stay bare, so a path with spaces, quotes or `$(...)` is never more than a pattern.
import { quote } from "../../util/shell.js";

/** True when `path` holds a wildcard the shell would expand. */
export function isGlob(path: string): boolean {
  return globWord(path) !== quote(path);
}

/**
 * The pattern as one shell word that expands to the matching paths (or stays as written when none
 * match, as the shell does). A `[` without its `]` is a literal bracket, as in Python.
 */
export function globWord(pattern: string): string {
  let word = "";
  let literal = "";
  const flush = () => {
    if (literal !== "") word += quote(literal);
    literal = "";
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" || c === "?") {
      flush();
      word += c;
      continue;
    }
    // `[` ... `]` with at least one character inside (`[]...]` takes the first `]` as a member, as Python).
    const close = c === "[" ? pattern.indexOf("]", i + 2) : -1;
    if (close < 0 || pattern.slice(i + 1, close).includes("/")) {
      literal += c;
      continue;
    }
    flush();
    word += `[${bracket(pattern.slice(i + 1, close))}]`;
    i = close;
  }
  flush();
  return word;
}

/** A bracket expression's members, each quoted (literal): a leading `!` negates, a `-` between two makes a range (Python's rules). */
function bracket(members: string): string {
  let out = "";
  let start = 0;
  if (members.startsWith("!")) {
    out += "!";
    start = 1;
  }
  for (let i = start; i < members.length; i++) {
    const c = members[i]!;
    const range = c === "-" && i > start && i < members.length - 1;
    out += range ? "-" : quote(c);
  }
  return out;
}
