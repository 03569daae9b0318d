// Ansible's one-line `shell: make install creates=/usr/bin/x` (or `command: pwd chdir=/tmp`) takes these
// words out of the command and uses them as parameters. deploy reads no inline arguments: the words would
// run as part of the command (an argument, a shell variable), so the task would run every time, or in the
// wrong directory, without a word of warning. Such a word at either end of `cmd` is refused at load, unless
// shell operators make it a statement of its own (`chdir=/tmp; cd $chdir`).

/** The keys ansible-core's parse_kv takes out of a free-form command (parsing/splitter.py). */
const ANSIBLE_INLINE = ["creates", "removes", "chdir", "executable", "stdin", "warn", "stdin_add_newline", "strip_empty_ends"] as const;

/** What deploy offers for each: its parameter of the same name, or why there is none. */
function deployWay(name: string, module: "command" | "shell"): string | undefined {
  if (name === "executable" && module === "command") return "`command` runs no shell, so it has no `executable`: use `shell: { cmd: ..., executable: /bin/bash }`";
  if (name === "executable" || name === "creates" || name === "removes" || name === "chdir" || name === "stdin") return undefined;
  return `deploy has no \`${name}\`: leave it out`;
}

/** A word with its place, as written (quotes kept). */
interface RawWord {
  text: string;
  start: number;
  end: number;
}

/** Words split on spaces outside quotes and `{{ }}`; an unclosed quote ends the last word (cmd's own check reports it). */
function rawWords(cmd: string): RawWord[] {
  const words: RawWord[] = [];
  let i = 0;
  while (i < cmd.length) {
    if (/\s/.test(cmd[i]!)) {
      i++;
      continue;
    }
    const start = i;
    while (i < cmd.length && !/\s/.test(cmd[i]!)) {
      const c = cmd[i]!;
      if (c === "'" || c === '"') {
        const close = cmd.indexOf(c, i + 1);
        i = close < 0 ? cmd.length : close + 1;
      } else if (c === "{" && cmd[i + 1] === "{") {
        const close = cmd.indexOf("}}", i + 2);
        i = close < 0 ? cmd.length : close + 2;
      } else {
        i += c === "\\" ? 2 : 1;
      }
    }
    words.push({ text: cmd.slice(start, i), start, end: Math.min(i, cmd.length) });
  }
  return words;
}

const PAIR = /^([A-Za-z_][A-Za-z0-9_]*)=/;
/** A word that ends a shell statement (`chdir=/tmp;`, `a=1&&`) or one that starts with an operator (`&&`, `;`, `|`). */
const ENDS_STATEMENT = /[;&|]$/;
const OPERATOR = /^[;&|]/;

/**
 * The message for Ansible inline arguments in `cmd` (a run of `name=value` words at its start or end that
 * holds one of Ansible's), or undefined. A quoted word (`'chdir=/tmp'`) is the command's own.
 */
export function inlineArgsMessage(cmd: string, module: "command" | "shell"): string | undefined {
  const words = rawWords(cmd);
  const isPair = (w: RawWord) => PAIR.test(w.text);
  let lead = 0;
  while (lead < words.length - 1 && isPair(words[lead]!)) lead++;
  // `chdir=/tmp; cd $chdir && pwd`, `A=1 && make`: the pairs are a statement of the shell's own (variables
  // it sets), not words Ansible would take out; `chdir: "/tmp;"` would be no fix.
  const leading = words.slice(0, lead);
  if (leading.some((w) => ENDS_STATEMENT.test(w.text)) || OPERATOR.test(words[lead]?.text ?? "")) lead = 0;
  let trail = words.length;
  while (trail > lead + 1 && isPair(words[trail - 1]!)) trail--;
  // `make; creates=/x` and `echo x creates=/x;` likewise: after or ending a statement, shell code.
  const before = words[trail - 1];
  if (trail < words.length && (words.slice(trail).some((w) => ENDS_STATEMENT.test(w.text)) || (before !== undefined && ENDS_STATEMENT.test(before.text)))) trail = words.length;
  const ends = [...words.slice(0, lead), ...words.slice(trail)];
  const inline = ends.filter((w) => (ANSIBLE_INLINE as readonly string[]).includes(PAIR.exec(w.text)![1]!));
  if (inline.length === 0) return undefined;

  const shown = inline.map((w) => `\`${w.text}\``).join(", ");
  const notes = [...new Set(inline.map((w) => deployWay(PAIR.exec(w.text)![1]!, module)).filter((n) => n !== undefined))];
  const params = inline.filter((w) => deployWay(PAIR.exec(w.text)![1]!, module) === undefined).map((w) => yamlPair(w.text));
  let rest = cmd;
  for (const w of [...inline].reverse()) rest = `${rest.slice(0, w.start).trimEnd()} ${rest.slice(w.end).trimStart()}`;
  rest = rest.trim();
  const mapForm = params.length ? `: write \`${module}: { cmd: ${JSON.stringify(rest)}, ${params.join(", ")} }\`` : "";
  return (
    `${shown} ${inline.length > 1 ? "are Ansible inline arguments" : "is an Ansible inline argument"}; deploy reads none and would run ` +
    `${inline.length > 1 ? "them" : "it"} as part of the command${mapForm}${notes.length ? `; ${notes.join("; ")}` : ""} ` +
    `(a word the command itself needs is quoted: '${inline[0]!.text}')`
  );
}

/** `chdir=/srv` as YAML's `chdir: /srv`; a value YAML would read otherwise (`{{ d }}`, `a: b`) is quoted. */
function yamlPair(word: string): string {
  const eq = word.indexOf("=");
  const value = word.slice(eq + 1);
  const plain = /^(?:["'].*["']|[\w/.~+-]+)$/s.test(value);
  return `${word.slice(0, eq)}: ${plain ? value : JSON.stringify(value)}`;
}
