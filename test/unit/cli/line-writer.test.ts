import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { lineWriter } from "../../../src/cli/main.js";

/** A stream whose reader went away after `accepted` writes, as stdout piped into `head -n 1`. */
function closedAfter(accepted: number, code = "EPIPE"): { stream: Writable; written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (written.length >= accepted) return done(Object.assign(new Error(`write ${code}`), { code }));
      written.push(chunk.toString());
      done();
    },
  });
  return { stream, written };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("output lines", () => {
  it("are dropped once the reader is gone, without an error: the run goes on to its end", async () => {
    const { stream, written } = closedAfter(1);
    const out = lineWriter(stream);
    out("PLAY site");
    out("TASK one");
    await tick();
    out("TASK two");
    out("RECAP");
    await tick();
    expect(written).toEqual(["PLAY site\n"]);
  });

});
