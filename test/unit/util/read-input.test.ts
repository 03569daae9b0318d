// Pipes as input files: a named pipe nothing writes to is refused in words (it hung forever), while a pipe
// with a writer, named or not (`<(cat inv.yaml)`), is read to its end.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../../src/config/project.js";
import { readInput } from "../../../src/util/read-input.js";
import { INVENTORY, problemLines, tempProject } from "../config/temp-project.js";

function namedPipe(dir: string, name: string): string {
  const file = path.join(dir, name);
  execFileSync("mkfifo", [file]);
  return file;
}

describe("a named pipe (mkfifo) as the inventory", () => {
  it("with no writer: a located problem after the wait, not a hang", async () => {
    const dir = tempProject({ "playbooks/site.yaml": "- hosts: all\n  tasks: []\n" });
    mkdirSync(path.join(dir, "inventory"));
    namedPipe(path.join(dir, "inventory"), "x.yaml");
    const started = Date.now();
    expect(await problemLines(dir, () => loadProject({ cwd: dir, inventoryFile: "inventory/x.yaml" }))).toEqual([
      "inventory/x.yaml:1:1: is a named pipe (FIFO) that nothing wrote to within 2 s: start the command that writes to it first, or give the file itself",
    ]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("with a writer waiting for a reader, or one that comes within the wait: read to its end", async () => {
    const dir = tempProject({});
    const early = namedPipe(dir, "early");
    const writing = writeFile(early, INVENTORY); // its open waits for the reader
    expect((await readInput(early, 200)).toString()).toBe(INVENTORY);
    await writing;

    const late = namedPipe(dir, "late");
    const writer = new Promise((resolve) => setTimeout(resolve, 100)).then(() => writeFile(late, "hosts: {}\n"));
    expect((await readInput(late, 1000)).toString()).toBe("hosts: {}\n");
    await writer;
  });

  it("a writer that is slow to write is waited for, however long (it is attached)", async () => {
    const dir = tempProject({});
    const file = namedPipe(dir, "slow");
    // The shell holds the pipe open for writing from the start, as a slow command of a pipeline would.
    const shell = spawn("sh", ["-c", `exec 3>"$1"; sleep 0.4; printf 'a: 1\\n' >&3`, "sh", file], { stdio: "ignore" });
    const exited = new Promise((resolve) => shell.on("exit", resolve));
    expect((await readInput(file, 1000)).toString()).toBe("a: 1\n");
    await exited;
  });
});

describe("a pipe without a name (what `<(cat inv.yaml)` gives as /dev/fd/63)", () => {
  /** A bash holding `<(substitution)` open as its fd 3: the path to it, and how to end it. */
  async function substitution(command: string): Promise<{ file: string; end: () => void }> {
    const bash = spawn("bash", ["-c", `exec 3< <(${command}); echo ready; exec sleep 10`], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise((resolve) => bash.stdout.once("data", resolve));
    return { file: `/proc/${bash.pid}/fd/3`, end: () => bash.kill() };
  }

  it("is read to its end, with its writer attached and slow (longer than the wait for a named pipe's writer)", async () => {
    const slow = await substitution(`printf 'hosts:\\n'; sleep 0.3; printf '  web-01: { address: 10.0.0.1 }\\n'`);
    expect((await readInput(slow.file, 50)).toString()).toBe("hosts:\n  web-01: { address: 10.0.0.1 }\n");
    slow.end();
  });

  it("with its writer gone without writing: empty at once, not a wait", async () => {
    const empty = await substitution("true");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    expect((await readInput(empty.file, 1000)).toString()).toBe("");
    expect(Date.now() - started).toBeLessThan(500);
    empty.end();
  });
});
