// Asking a secret on the terminal without echoing it (vault password, key passphrase, sudo password).
import { openSync, closeSync } from "node:fs";
import { ReadStream } from "node:tty";

/** True when a human can be asked: stdin is a terminal. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY);
}

/** Read one line from the terminal with echo off. The question goes to stderr so stdout stays clean. */
export async function promptHidden(question: string): Promise<string> {
  if (!canPrompt()) throw new Error(`cannot ask for ${question.replace(/:\s*$/, "")}: not on a terminal`);
  const fd = openSync("/dev/tty", "r");
  const input = new ReadStream(fd);
  input.setRawMode(true);
  process.stderr.write(question);
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer = "";
      input.on("data", (chunk: Buffer) => {
        for (const ch of chunk.toString("utf8")) {
          if (ch === "\r" || ch === "\n") return resolve(answer);
          if (ch === "\u0003") return reject(new Error("interrupted"));
          if (ch === "\u007f" || ch === "\b") answer = answer.slice(0, -1);
          else answer += ch;
        }
      });
    });
  } finally {
    input.setRawMode(false);
    input.destroy();
    try {
      closeSync(fd);
    } catch {
      // already closed by destroy()
    }
    process.stderr.write("\n");
  }
}
