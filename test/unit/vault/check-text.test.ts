// What a vault may hold is checked before it is encrypted, the way loading it will check it: a mistake
// found later, at load time, would mean decrypting and editing again.
import { describe, expect, it, vi } from "vitest";
import { checkVarsText } from "../../../src/vault/file.js";

describe("checkVarsText", () => {
  it("refuses what loading would refuse, located, never quoting a value", () => {
    const warn = vi.spyOn(process, "emitWarning");
    const cases: Array<[string, string]> = [
      ["db_pw: {{ hunter2 }}\n", 'v.yaml:1:8: db_pw: a value starting with {{ must be quoted: "{{ hunter2 }}"'],
      ["host: secret-value\n", "v.yaml:1:1: host: `host` is a reserved name in expressions"],
      ['pw: "Hunter{{2+}}Secret"\n', "v.yaml:1:5: pw: invalid expression in a secret value (not shown)"],
      ["- a-secret\n", "v.yaml:1:1: a vault holds vars: it must be a map of names to values, got a list"],
    ];
    for (const [text, message] of cases) expect(() => checkVarsText(text, "v.yaml")).toThrow(message);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it("takes a map of vars, and an empty text (a vault emptied on purpose)", () => {
    expect(() => checkVarsText("db_pw: hunter2\napp: { token: x }\n", "v.yaml")).not.toThrow();
    expect(() => checkVarsText("\n", "v.yaml")).not.toThrow();
  });
});
