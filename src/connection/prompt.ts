// Asking for a secret on the terminal without echoing it (key passphrases).
import type { ReadStream } from "node:tty";

/** A prompt reading from `input` (a TTY) and writing the question to `output`; undefined if not a TTY. */
export function terminalPrompt(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): ((question: string) => Promise<string | undefined>) | undefined {
  if (!input.isTTY) return undefined;
  const tty = input as ReadStream;
  // One question at a time: parallel connections that need the same answer wait for each other.
  let queue: Promise<unknown> = Promise.resolve();
  const ask = (question: string): Promise<string | undefined> =>
    new Promise((resolve) => {
      output.write(question);
      const wasRaw = tty.isRaw;
      tty.setRawMode(true);
      tty.resume();
      let answer = "";
      const onData = (chunk: Buffer): void => {
        for (const char of chunk.toString("utf8")) {
          if (char === "\r" || char === "\n") return finish(answer);
          if (char === "\u0003" || char === "\u0004") return finish(undefined);
          if (char === "\u007f" || char === "\b") answer = answer.slice(0, -1);
          else answer += char;
        }
      };
      const finish = (value: string | undefined): void => {
        tty.off("data", onData);
        tty.setRawMode(wasRaw);
        tty.pause();
        output.write("\n");
        resolve(value);
      };
      tty.on("data", onData);
    });
  return (question) => {
    const next = queue.then(() => ask(question));
    queue = next.catch(() => undefined);
    return next;
  };
}
