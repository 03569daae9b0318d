// Where bytes stop being UTF-8 text. Node's own decoding replaces a bad byte with U+FFFD and says nothing,
// so a Latin-1 file or a binary one read "as UTF-8" would be garbled silently; callers refuse it instead,
// pointing at the first bad byte.
import { isUtf8 } from "node:buffer";

/** Offset of the first byte that starts no valid UTF-8 sequence; undefined for valid UTF-8. */
export function invalidUtf8Offset(bytes: Uint8Array): number | undefined {
  if (isUtf8(bytes)) return undefined;
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    const follow = lead < 0x80 ? 0 : lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : -1;
    if (follow < 0) return i;
    // The second byte's narrower ranges rule out overlong forms, surrogates and code points past U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= follow; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += follow + 1;
  }
  return 0;
}

/** Line and column (in characters, from 1) of `offset`, whose preceding bytes are valid UTF-8. */
export function lineAndColumn(bytes: Buffer, offset: number): { line: number; col: number } {
  const lines = bytes.subarray(0, offset).toString("utf8").split("\n");
  return { line: lines.length, col: (lines.at(-1)?.length ?? 0) + 1 };
}
