// Option parsing shared by every command: an option that takes one value, given twice, is refused
// (Node's parser keeps the last one silently).
import { describe, expect, it } from "vitest";
import { parseCommandArgs, UsageError } from "../../../src/cli/command.js";

const OPTIONS = {
  limit: { type: "string", short: "l" },
  forks: { type: "string" },
  extra: { type: "string", short: "e", multiple: true },
  verbose: { type: "boolean", short: "v" },
} as const;

describe("parseCommandArgs", () => {
  it("refuses --limit twice, saying how to write either meaning", () => {
    expect(() => parseCommandArgs(["inv.yaml", "--limit", "web-01", "-l", "web-02"], OPTIONS)).toThrow(
      new UsageError("--limit given twice ('web-01' and 'web-02'); give it once: 'web-01,web-02' for hosts of either, 'web-01:&web-02' for hosts of both"),
    );
    expect(() => parseCommandArgs(["--forks=2", "--forks", "3"], OPTIONS)).toThrow("--forks given twice ('2' and '3'); give it once");
  });

  it("keeps repeatable options and repeated flags; returns values and positionals", () => {
    const parsed = parseCommandArgs(["inv.yaml", "-e", "a=1", "-e", "b=2", "-v", "-v", "-l", "web"], OPTIONS);
    expect(parsed.values).toEqual({ extra: ["a=1", "b=2"], verbose: true, limit: "web" });
    expect(parsed.positionals).toEqual(["inv.yaml"]);
  });
});
