// `deploy vault edit`'s loop: what the user typed survives a mistake (the editor reopens on it, on a
// terminal), nothing unsaved is reported as saved, and the plaintext temp file never outlives the command.
import { EventEmitter } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decryptVault, encryptVault, VaultError } from "../../../src/vault/cipher.js";
import { editVault, type Ask, type EditRequest } from "../../../src/vault/edit.js";
import { fakeEditor, type FakeEditor, type Round } from "./fake-editor.js";

const PASSWORD = "pw";
const ORIGINAL = "db_password: hunter2\n";
const DUPLICATE = "db_password: hunter2\napi_key: k1\napi_key: k2\n";
const FIXED = "db_password: hunter2\napi_key: k2\n";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Setup {
  file: string;
  editor: FakeEditor;
  said: string[];
  asked: string[];
  signals: EventEmitter;
  request: EditRequest;
  /** The vault's bytes before the edit. */
  sealed: string;
}

/** A vault holding ORIGINAL (or none), the fake editor doing `rounds`, and the answers a terminal gives. */
function setup(rounds: Round[], answers?: Array<string | undefined>, opts: { exists?: boolean } = {}): Setup {
  const dir = mkdtempSync(path.join(tmpdir(), "deploy-vault-edit-"));
  const file = path.join(dir, "ex.yaml");
  const sealed = encryptVault(ORIGINAL, PASSWORD, { N: 1024, r: 8, p: 1 });
  if (opts.exists !== false) writeFileSync(file, sealed);
  const editor = fakeEditor(rounds);
  dirs.push(dir, editor.dir);
  const said: string[] = [];
  const asked: string[] = [];
  const signals = new EventEmitter();
  const ask: Ask | undefined = answers && (async (question) => (asked.push(question), answers.shift()));
  const request: EditRequest = {
    file,
    label: "ex.yaml",
    password: PASSWORD,
    editor: editor.command,
    env: { PATH: process.env["PATH"] },
    tmpRoot: dir,
    say: (line) => said.push(line),
    ask,
    signals,
  };
  return { file, editor, said, asked, signals, request, sealed };
}

function expectCleanedUp(s: Setup): void {
  expect(existsSync(s.editor.file()), "the plaintext temp file").toBe(false);
  expect(existsSync(path.dirname(s.editor.file())), "the private temp dir").toBe(false);
  for (const name of ["SIGINT", "SIGTERM", "SIGHUP"]) expect(s.signals.listenerCount(name), name).toBe(0);
}

describe("vault edit on a terminal", () => {
  it("shows a mistake on one located line, reopens the editor on the user's text, then saves the fix", async () => {
    const s = setup([{ write: DUPLICATE }, { write: FIXED }], [""]);
    await expect(editVault(s.request)).resolves.toBe("saved");
    expect(s.said).toEqual(["ex.yaml:3:1: api_key: duplicate key `api_key` (first defined on line 2)"]);
    expect(s.asked).toEqual(["Edit again, or quit without saving? [E/q] "]);
    expect(s.editor.seen(1)).toBe(ORIGINAL);
    expect(s.editor.seen(2)).toBe(DUPLICATE);
    expect(decryptVault(readFileSync(s.file, "utf8"), PASSWORD)).toBe(FIXED);
    expect(s.editor.dirMode()).toBe("700");
    expectCleanedUp(s);
  });

  it("asks again on an unclear answer, and quitting leaves the vault as it was", async () => {
    const s = setup([{ write: "a: \"unclosed\nb: 1\n" }], ["maybe", "q"]);
    await expect(editVault(s.request)).resolves.toBe("quit");
    expect(s.said).toEqual(["ex.yaml:3:1: Missing closing \"quote"]);
    expect(s.asked).toHaveLength(2);
    expect(s.editor.rounds()).toBe(1);
    expect(readFileSync(s.file, "utf8")).toBe(s.sealed);
    expectCleanedUp(s);
  });

  it("quits at the end of input (Ctrl-D at the question)", async () => {
    const s = setup([{ write: "- a\n- b\n" }], [undefined]);
    await expect(editVault(s.request)).resolves.toBe("quit");
    expect(s.said).toEqual(["ex.yaml:1:1: a vault holds vars: it must be a map of names to values, got a list"]);
    expect(readFileSync(s.file, "utf8")).toBe(s.sealed);
    expectCleanedUp(s);
  });

  it("a signal while the question waits stops without saving and removes the plaintext", async () => {
    const s = setup([{ write: DUPLICATE }]);
    s.request.ask = (_question, stop) => {
      setImmediate(() => s.signals.emit("SIGINT", "SIGINT"));
      return new Promise((resolve) => stop.addEventListener("abort", () => resolve(undefined)));
    };
    await expect(editVault(s.request)).resolves.toBe("interrupted");
    expect(readFileSync(s.file, "utf8")).toBe(s.sealed);
    expectCleanedUp(s);
  });
});

describe("vault edit, whether or not on a terminal", () => {
  it("not on a terminal, a mistake is refused saying the changes were NOT saved", async () => {
    const s = setup([{ write: DUPLICATE }]);
    const refused = editVault(s.request);
    await expect(refused).rejects.toThrow(VaultError);
    await expect(refused).rejects.toThrow(
      /^ex\.yaml:3:1: api_key: duplicate key `api_key` \(first defined on line 2\); changes NOT saved, ex\.yaml is unchanged \(not on a terminal, so no second try in the editor\)$/,
    );
    expect(readFileSync(s.file, "utf8")).toBe(s.sealed);
    expectCleanedUp(s);
  });

  it("SIGTERM while the editor is open stops the editor and removes the plaintext", async () => {
    const s = setup([{ write: FIXED, hold: true }]);
    const outcome = editVault(s.request);
    await s.editor.opened(1);
    s.signals.emit("SIGTERM", "SIGTERM");
    // Removed at once, before the editor has even exited: a SIGKILL may follow the SIGTERM.
    expect(existsSync(path.dirname(s.editor.file()))).toBe(false);
    await expect(outcome).resolves.toBe("interrupted");
    expect(readFileSync(s.file, "utf8")).toBe(s.sealed);
    expectCleanedUp(s);
    s.editor.release();
  });

  it("a Ctrl-C while the editor is open is the editor's: one that carries on still saves", async () => {
    const s = setup([{ write: FIXED, hold: true }]);
    const outcome = editVault(s.request);
    await s.editor.opened(1);
    s.signals.emit("SIGINT", "SIGINT");
    s.editor.release();
    await expect(outcome).resolves.toBe("saved");
    expect(decryptVault(readFileSync(s.file, "utf8"), PASSWORD)).toBe(FIXED);
    expectCleanedUp(s);
  });

  it("an editor that dies of a Ctrl-C stops the edit without saving", async () => {
    const s = setup([{ write: FIXED, die: "INT" }], [""]);
    await expect(editVault(s.request)).resolves.toBe("interrupted");
    expect(readFileSync(s.file, "utf8")).toBe(s.sealed);
    expectCleanedUp(s);
  });

  it("an editor exiting non-zero saves nothing, even what it wrote", async () => {
    const s = setup([{ write: FIXED, exit: 3 }], [""]);
    await expect(editVault(s.request)).rejects.toThrow(/^the editor exited with status 3; changes NOT saved, ex\.yaml is unchanged$/);
    expect(readFileSync(s.file, "utf8")).toBe(s.sealed);
    expectCleanedUp(s);
  });

  it("an editor that is not found is named", async () => {
    const s = setup([]);
    s.request.editor = "no-such-editor-for-deploy";
    await expect(editVault(s.request)).rejects.toThrow(/^editor 'no-such-editor-for-deploy' not found \(set VISUAL or EDITOR\); ex\.yaml is unchanged$/);
    expect(readFileSync(s.file, "utf8")).toBe(s.sealed);
  });

  it("nothing changed: the vault is not rewritten", async () => {
    const s = setup([{}]);
    await expect(editVault(s.request)).resolves.toBe("unchanged");
    // Re-encrypting would change the salt and nonce, so the same bytes mean it was not rewritten.
    expect(readFileSync(s.file, "utf8")).toBe(s.sealed);
    expectCleanedUp(s);
  });

  it("a new vault left empty is not created", async () => {
    const s = setup([{ write: "\n" }], [""], { exists: false });
    await expect(editVault(s.request)).resolves.toBe("not-created");
    expect(existsSync(s.file)).toBe(false);
    expectCleanedUp(s);
  });

  it("a new vault with a mistake, not on a terminal: refused, and not created", async () => {
    const s = setup([{ write: DUPLICATE }], undefined, { exists: false });
    await expect(editVault(s.request)).rejects.toThrow(/^ex\.yaml:3:1: api_key: duplicate key `api_key` \(first defined on line 2\); changes NOT saved, ex\.yaml not created \(/);
    expect(existsSync(s.file)).toBe(false);
    expectCleanedUp(s);
  });

  it("a new vault is created from what was written", async () => {
    const s = setup([{ write: FIXED }], undefined, { exists: false });
    await expect(editVault(s.request)).resolves.toBe("saved");
    expect(decryptVault(readFileSync(s.file, "utf8"), PASSWORD)).toBe(FIXED);
    expectCleanedUp(s);
  });
});
