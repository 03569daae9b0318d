// Reading a file the user named, which may be a pipe. `deploy inventory <(cat inv.yaml)` gives a pipe whose
// writer is attached: it is read to its end like a file. A named pipe (mkfifo) is different: opening it
// waits for a writer, and with none the process hung forever, silent. It is opened without waiting, and
// given a moment for a writer to come (a script may start one just after deploy), then refused in words.
import { constants } from "node:fs";
import { open, readFile, readlink, stat } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** How long a named pipe may stay without a writer before it is refused. */
export const WRITER_WAIT_MS = 2000;
const POLL_MS = 20;

export class NoWriterError extends Error {
  override readonly name = "NoWriterError";
  readonly code = "ENOWRITER";
  constructor(waitMs: number) {
    const seconds = waitMs >= 1000 ? `${waitMs / 1000} s` : `${waitMs} ms`;
    super(`is a named pipe (FIFO) that nothing wrote to within ${seconds}: start the command that writes to it first, or give the file itself`);
  }
}

/** What a failed read says, after the file's name. */
export function readFailureReason(error: unknown): string {
  if (error instanceof NoWriterError) return error.message;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT") return "file not found";
  if (code === "EISDIR") return "is a directory, not a file";
  if (code === "EACCES" || code === "EPERM") return "cannot read: permission denied";
  return `cannot read (${code ?? String(error)})`;
}

/** The file's bytes; a named pipe without a writer for `waitMs` is a NoWriterError. */
export async function readInput(file: string, waitMs = WRITER_WAIT_MS): Promise<Buffer> {
  const info = await stat(file).catch(() => undefined);
  // Not a pipe, or nothing to stat: readFile says why, as it always did.
  if (!info?.isFIFO() || (await isUnnamedPipe(file))) return readFile(file);
  return readNamedPipe(file, waitMs);
}

/**
 * `/dev/fd/63` of a process substitution links to `pipe:[N]`: a pipe without a name, whose open never
 * waits (Linux); its writer is attached or already gone, so a plain read ends.
 */
async function isUnnamedPipe(file: string): Promise<boolean> {
  let here = file;
  for (let hops = 0; hops < 40; hops++) {
    let target: string;
    try {
      target = await readlink(here);
    } catch {
      return false;
    }
    if (/^pipe:\[\d+\]$/.test(target)) return true;
    here = path.resolve(path.dirname(here), target);
  }
  return false;
}

/**
 * Opened non-blocking, a pipe tells its state on each read: data, EAGAIN (a writer is attached and has not
 * written yet), or 0 bytes (no writer: none yet, or it closed after writing, which is the end).
 */
async function readNamedPipe(file: string, waitMs: number): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const chunks: Buffer[] = [];
    const deadline = Date.now() + waitMs;
    let writer = false;
    for (;;) {
      const buffer = Buffer.alloc(65536);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
      } catch (error: unknown) {
        if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
        writer = true;
        await sleep(POLL_MS);
        continue;
      }
      if (bytesRead > 0) {
        writer = true;
        chunks.push(buffer.subarray(0, bytesRead));
      } else if (writer) {
        return Buffer.concat(chunks);
      } else if (Date.now() >= deadline) {
        throw new NoWriterError(waitMs);
      } else {
        await sleep(POLL_MS);
      }
    }
  } finally {
    await handle.close();
  }
}
