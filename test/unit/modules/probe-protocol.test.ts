import { describe, expect, it } from "vitest";
import { fact, hasFact, noiseText, parseProbe, records } from "../../../src/modules/lib/probe.js";

describe("the probe protocol", () => {
  it("a fact's key ends at a space or a tab; several fields are tab-separated", () => {
    const report = parseProbe("#deploy:seen HTTP 503\n#deploy:pkg\tnginx\tii \t1.22\n#deploy:pkg\tcurl\t\t\n#deploy:no-dpkg\r\n");
    expect(fact(report, "seen")).toBe("HTTP 503");
    expect(records(report, "pkg")).toEqual([["nginx", "ii ", "1.22"], ["curl", "", ""]]);
    expect(hasFact(report, "no-dpkg")).toBe(true);
    expect(fact(report, "no-dpkg")).toBe("");
  });

  it("lines outside the protocol are noise, kept to explain a failure", () => {
    const report = parseProbe("W: apt warning\ndeploy:pkg\tnot-ours\n#deploy:up\n");
    expect([...report.facts.keys()]).toEqual(["up"]);
    expect(noiseText(report)).toBe("W: apt warning / deploy:pkg\tnot-ours");
  });

  it("decodes a base64 block, but never an error message printed inside one", () => {
    const good = parseProbe(`#deploy:b64 file\n${Buffer.from("a=1\n").toString("base64")}\n#deploy:end\n#deploy:after x\n`);
    expect(good.blobs.get("file")?.toString()).toBe("a=1\n");
    expect(fact(good, "after")).toBe("x");
    const broken = parseProbe("#deploy:b64 file\n/bin/sh: 5: base64: not found\n#deploy:end\n");
    expect(broken.blobs.has("file")).toBe(false);
    expect(noiseText(broken)).toBe("/bin/sh: 5: base64: not found");
  });
});
