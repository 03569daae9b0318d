import ejs from "ejs";
import { describe, expect, it } from "vitest";
import { makeRedactor, redactDeep, REDACTED } from "../../../src/report/redact.js";

describe("makeRedactor", () => {
  const secret = `p"w\\d 'x' $y/z&`;
  const redact = makeRedactor(new Set([secret, "ab"]));

  it("hides the value as written", () => {
    expect(redact(`password=${secret};`)).toBe(`password=${REDACTED};`);
  });

  it("hides the value as templates escape it for config files", () => {
    const json = JSON.stringify({ password: secret });
    expect(redact(json)).toBe(`{"password":"${REDACTED}"}`);
    expect(redact(`password = "p\\"w\\\\d 'x' $y/z&"`)).toBe(`password = "${REDACTED}"`); // option file
    expect(redact(`stats auth 'admin:p"w\\d '\\''x'\\'' $y/z&'`)).toBe(`stats auth 'admin:${REDACTED}'`); // HAProxy / sh
    expect(redact(`mysql://u:${encodeURIComponent(secret)}@db/x`)).toBe(`mysql://u:${REDACTED}@db/x`);
    // EJS's `<%=` escapes for HTML, exactly as its own escapeXML does.
    expect(redact(`root=${ejs.escapeXML(secret)}`)).toBe(`root=${REDACTED}`);
  });

  it("leaves very short values and other text alone", () => {
    expect(redact("ab cd")).toBe("ab cd");
    expect(redactDeep({ a: [`x${secret}`], n: 1 }, redact)).toEqual({ a: [`x${REDACTED}`], n: 1 });
  });
});
