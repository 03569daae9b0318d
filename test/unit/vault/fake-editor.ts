// A scripted stand-in for the user's editor, for `deploy vault edit` tests. Each time it is opened (a round)
// it records what it was given, then does what the test planned for that round.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface Round {
  /** Replace the file's text with this. */
  write?: string;
  /** Exit with this status (after writing). */
  exit?: number;
  /** Stay open until the test calls `release()` (or the editor is killed). */
  hold?: boolean;
  /** Die of this signal, as an editor stopped by a Ctrl-C does. */
  die?: "INT" | "TERM";
}

export interface FakeEditor {
  /** Its state (what it saw, what to do): the test removes it. */
  dir: string;
  /** The $EDITOR command line. */
  command: string;
  /** The text the editor found in the file at round n (1-based). */
  seen(round: number): string;
  /** How many times it was opened. */
  rounds(): number;
  /** The temp file it was given (last round). */
  file(): string;
  /** Octal mode of the temp file's directory. */
  dirMode(): string;
  /** Resolves once the editor is open and holding (a `hold` round). */
  opened(round: number): Promise<void>;
  release(): void;
}

export function fakeEditor(rounds: Round[]): FakeEditor {
  const state = mkdtempSync(path.join(tmpdir(), "deploy-fake-editor-"));
  rounds.forEach((round, i) => {
    const n = i + 1;
    if (round.write !== undefined) writeFileSync(path.join(state, `write.${n}`), round.write);
    if (round.exit !== undefined) writeFileSync(path.join(state, `exit.${n}`), String(round.exit));
    if (round.hold) writeFileSync(path.join(state, `hold.${n}`), "");
    if (round.die) writeFileSync(path.join(state, `die.${n}`), round.die);
  });
  const script = path.join(state, "editor.sh");
  writeFileSync(
    script,
    [
      "#!/bin/sh",
      `S='${state}'`,
      'n=$(( $(cat "$S/n" 2>/dev/null || echo 0) + 1 )); echo $n > "$S/n"',
      'printf %s "$1" > "$S/file"',
      'stat -c %a "$(dirname "$1")" > "$S/mode"',
      'cp "$1" "$S/seen.$n"',
      '[ -f "$S/write.$n" ] && cat "$S/write.$n" > "$1"',
      'if [ -f "$S/hold.$n" ]; then touch "$S/open.$n"; while [ ! -f "$S/go" ]; do sleep 0.05; done; fi',
      '[ -f "$S/die.$n" ] && kill -"$(cat "$S/die.$n")" $$',
      '[ -f "$S/exit.$n" ] && exit "$(cat "$S/exit.$n")"',
      "exit 0",
      "",
    ].join("\n"),
  );
  chmodSync(script, 0o755);
  const read = (name: string): string => readFileSync(path.join(state, name), "utf8");
  return {
    dir: state,
    command: script,
    seen: (n) => read(`seen.${n}`),
    rounds: () => (existsSync(path.join(state, "n")) ? Number(read("n")) : 0),
    file: () => read("file"),
    dirMode: () => read("mode").trim(),
    opened: async (n) => {
      while (!existsSync(path.join(state, `open.${n}`))) await new Promise((r) => setTimeout(r, 20));
    },
    release: () => {
      mkdirSync(state, { recursive: true });
      writeFileSync(path.join(state, "go"), "");
    },
  };
}
