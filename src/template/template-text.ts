// A template file's text. A template is rendered as UTF-8 text: a file that is not (Latin-1, an image put
// in templates/) would come out garbled, so it is refused at its first bad byte. `copy` sends a file of
// files/ byte for byte, and is what such a file needs.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { invalidUtf8Offset, lineAndColumn } from "../util/utf8.js";

export class NotUtf8Error extends Error {
  override readonly name = "NotUtf8Error";
  constructor(
    readonly line: number,
    readonly col: number,
    byte: number,
  ) {
    super(
      `not UTF-8 text (byte 0x${byte.toString(16).padStart(2, "0")}): a template is read as UTF-8; save it as UTF-8, ` +
        "or, to send the file byte for byte, put it in files/ and use `copy`",
    );
  }
}

/** The file's text; a read failure is thrown as it is, bytes that are not UTF-8 as a NotUtf8Error. */
export async function readTemplateText(file: string): Promise<string> {
  return textOf(await readFile(file));
}

function textOf(bytes: Buffer): string {
  const bad = invalidUtf8Offset(bytes);
  if (bad === undefined) return bytes.toString("utf8");
  const { line, col } = lineAndColumn(bytes, bad);
  throw new NotUtf8Error(line, col, bytes[bad]!);
}

/** The same, read synchronously: an EJS `include(...)` runs inside the template's code. */
export function readTemplateTextSync(file: string): string {
  return textOf(readFileSync(file));
}
