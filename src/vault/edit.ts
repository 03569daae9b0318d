// `deploy vault edit`: the decrypted text goes to a private temp file, the user's editor opens it, and the
// result is re-encrypted. What the user typed is never thrown away for a mistake they can fix: on a terminal
// they are shown the problem and may edit again, as visudo and kubectl edit do. The plaintext never outlives
// the command: its temp dir is removed on every way out, a signal included.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { VaultError } from "./cipher.js";
import { checkVarsText, decryptFile, encryptText, readText, writePrivate } from "./file.js";

/** Asks one line; undefined at end of input. Aborting `stop` abandons the question. */
export type Ask = (question: string, stop: AbortSignal) => Promise<string | undefined>;

export interface EditRequest {
  /** The vault file (absolute) and the name the user gave it, for messages. */
  file: string;
  label: string;
  password: string;
  /** A shell command line ($VISUAL, $EDITOR): it may carry flags. */
  editor: string;
  env: NodeJS.ProcessEnv;
  /** Where the private temp dir goes. */
  tmpRoot: string;
  /** Shows a mistake in the text before asking whether to edit again. */
  say: (line: string) => void;
  /** Present only when a human can answer (stdin is a terminal). */
  ask?: Ask;
  /** Where SIGINT, SIGTERM and SIGHUP arrive: the process, or a test's emitter. */
  signals?: NodeJS.EventEmitter;
}

/**
 * saved, unchanged (nothing edited, the vault not rewritten), not-created (a new vault left empty), quit (the
 * user chose to quit without saving), interrupted (a signal; nothing saved).
 */
export type EditOutcome = "saved" | "unchanged" | "not-created" | "quit" | "interrupted";

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export async function editVault(req: EditRequest): Promise<EditOutcome> {
  const { file, label, say } = req;
  const exists = existsSync(file);
  const before = exists ? decryptFile(file, req.password) : "";
  // Found out now rather than after the user has typed their secrets in.
  if (!exists && !existsSync(path.dirname(file))) throw new VaultError(`cannot create ${label}: its directory does not exist`);
  // mkdtemp makes the dir 0700: nobody else can even list it.
  const dir = mkdtempSync(path.join(req.tmpRoot, "deploy-vault-"));
  const tmp = path.join(dir, path.basename(file));
  const stop = new AbortController();
  let editorOpen = false;
  const signals = req.signals ?? process;
  const release = (): void => {
    for (const name of SIGNALS) signals.off(name, onSignal);
  };
  function onSignal(name: NodeJS.Signals): void {
    // A Ctrl-C typed in the editor reached the editor too: whether it ends the editing is the editor's call
    // (as git does). If it does, the editor's exit says so.
    if (name === "SIGINT" && editorOpen) return;
    // Remove the plaintext now, not after the editor has died: a SIGKILL may follow.
    rmSync(dir, { recursive: true, force: true });
    stop.abort();
    // A second signal ends the process at once: nothing is left to clean.
    release();
  }
  for (const name of SIGNALS) signals.on(name, onSignal);
  const untouched = `${label} ${exists ? "is unchanged" : "not created"}`;
  const notSaved = `changes NOT saved, ${untouched}`;
  try {
    writePrivate(tmp, before);
    for (;;) {
      editorOpen = true;
      const exit = await runEditor(req.editor, tmp, req.env, stop.signal).finally(() => (editorOpen = false));
      if (stop.signal.aborted || stoppedBySignal(exit)) return "interrupted";
      if (exit.signal) throw new VaultError(`the editor was killed by ${exit.signal}; ${notSaved}`);
      if (exit.code === 127) throw new VaultError(`editor '${req.editor}' not found (set VISUAL or EDITOR); ${untouched}`);
      if (exit.code !== 0) throw new VaultError(`the editor exited with status ${exit.code}; ${notSaved}`);
      const after = readText(tmp);
      if (after === before) return exists ? "unchanged" : "not-created";
      if (!exists && after.trim() === "") return "not-created";
      const problem = checkVars(after, label);
      if (problem === undefined) {
        writePrivate(file, encryptText(after, req.password, label));
        return "saved";
      }
      if (!req.ask) throw new VaultError(`${problem}; ${notSaved} (not on a terminal, so no second try in the editor)`);
      say(problem);
      // The temp file keeps the user's text: the editor reopens on it, not on the vault's.
      const again = await askAgain(req.ask, stop.signal);
      if (stop.signal.aborted) return "interrupted";
      if (!again) return "quit";
    }
  } finally {
    release();
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkVars(text: string, label: string): string | undefined {
  try {
    checkVarsText(text, label);
    return undefined;
  } catch (error: unknown) {
    if (error instanceof VaultError) return error.message;
    throw error;
  }
}

/** True to edit again. Anything but a clear answer asks again; end of input (Ctrl-D) quits. */
async function askAgain(ask: Ask, stop: AbortSignal): Promise<boolean> {
  for (;;) {
    const answer = await ask("Edit again, or quit without saving? [E/q] ", stop);
    if (answer === undefined) return false;
    const word = answer.trim().toLowerCase();
    if (word === "" || word === "e" || word === "edit") return true;
    if (word === "q" || word === "quit") return false;
  }
}

interface EditorExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Ctrl-C, SIGTERM or a hangup ended the editor; a shell script reports it as status 128 + the signal's number. */
function stoppedBySignal(exit: EditorExit): boolean {
  return SIGNALS.some((name) => exit.signal === name || exit.code === 128 + os.constants.signals[name]);
}

function runEditor(editor: string, file: string, env: NodeJS.ProcessEnv, stop: AbortSignal): Promise<EditorExit> {
  // The editor is a command line the user chose (it may carry flags), so the shell reads it, with the file as
  // a separate, quoted argument. `exec` makes the editor itself the child: a Ctrl-C is then its own business
  // (a waiting shell would die of it), and stopping the child stops the editor, not a shell around it.
  // Asynchronous, so that a signal can be handled while the editor is open.
  const child = spawn("sh", ["-c", `exec ${editor} "$1"`, "editor", file], { stdio: "inherit", env, signal: stop, killSignal: "SIGTERM" });
  return new Promise((resolve, reject) => {
    child.on("error", (error: Error) => {
      if (error.name !== "AbortError") reject(new VaultError(`cannot start the editor: ${error.message}`, { cause: error }));
    });
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
}

/** The terminal's answer to one question, the line as typed (the terminal echoes it). */
export const askOnTerminal: Ask = (question, stop) => {
  process.stderr.write(question);
  // Not in raw mode: a Ctrl-C at the question is a SIGINT like any other, handled by editVault.
  const lines = createInterface({ input: process.stdin, terminal: false });
  return new Promise<string | undefined>((resolve) => {
    const done = (answer: string | undefined): void => {
      resolve(answer); // before close(), whose "close" event would settle it first
      stop.removeEventListener("abort", onAbort);
      lines.close();
    };
    const onAbort = (): void => done(undefined);
    stop.addEventListener("abort", onAbort);
    lines.once("line", done);
    lines.once("close", () => done(undefined));
  });
};
