// The merged lookups of a probe batch, run by a real shell against real files in a temp directory.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildLookupBatch } from "../../../src/engine/lookup-batch.js";
import { buildProbeBatch } from "../../../src/engine/probe-batch.js";
import { sha256 } from "../../../src/modules/lib/content.js";
import type { Lookup, Probe } from "../../../src/modules/lib/lookup.js";
import { missingParent, parseProbe } from "../../../src/modules/lib/probe.js";
import { raw } from "../../../src/util/shell.js";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "deploy-lookups-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Run a batch of probes with /bin/sh, `bin` first on PATH (for a stand-in systemctl). */
function run(probes: Probe[], bin?: string) {
  const batch = buildProbeBatch(probes);
  const env = { ...process.env, PATH: bin ? `${bin}:${process.env.PATH}` : process.env.PATH };
  const stdout = execFileSync("/bin/sh", ["-c", batch.script.text], { env, encoding: "utf8", cwd: dir });
  return { outputs: batch.parse(stdout), script: batch.script.text, stdout, batch };
}

const entry = (p: string): Lookup => ({ kind: "entry", path: p });
const content = (p: string, expectedSha256?: string): Lookup => ({ kind: "content", path: p, ...(expectedSha256 ? { expectedSha256 } : {}) });

describe("entry and content lookups", () => {
  it("answers each probe as if its own script had looked, with one stat and one sha256sum for all", () => {
    const file = path.join(dir, "a.conf");
    const odd = path.join(dir, "we'ird $(touch PWNED)\nname\\.conf");
    writeFileSync(file, "same\n");
    writeFileSync(odd, "old\n");
    chmodSync(file, 0o640);
    mkdirSync(path.join(dir, "sub"));
    symlinkSync("a.conf", path.join(dir, "link"));
    const { outputs, script } = run([
      { lookups: [entry(file), content(file, sha256(Buffer.from("same\n")))] },
      { lookups: [entry(odd), content(odd, sha256(Buffer.from("new\n")))] },
      { lookups: [entry(path.join(dir, "sub")), content(path.join(dir, "sub"))] },
      { lookups: [entry(path.join(dir, "link")), content(path.join(dir, "link"))] },
      { lookups: [entry(path.join(dir, "missing")), entry(path.join(dir, "no", "parent")), entry(path.join(file, "under-a-file"))] },
      // The same file again, wanted with other content: its bytes come back for this probe only.
      { lookups: [entry(file), content(file, sha256(Buffer.from("other\n")))] },
    ]);
    expect(script.match(/sha256sum --/g)).toHaveLength(1);
    expect(script.match(/stat -c '%F/g)).toHaveLength(2); // the batch, and the fallback when an entry vanished
    const [same, changed, sub, link, missing, again] = outputs.map((o) => parseProbe(o!.output));

    expect(same!.facts.get("stat")?.[0]).toMatch(/^regular file\|640\|/);
    expect(same!.facts.get("sha256")).toEqual([sha256(Buffer.from("same\n"))]);
    expect(same!.blobs.size).toBe(0);

    expect(changed!.facts.get("sha256")).toEqual([sha256(Buffer.from("old\n"))]);
    expect(changed!.blobs.get("current")?.toString()).toBe("old\n");

    expect(sub!.facts.get("stat")?.[0]).toMatch(/^directory\|/);
    expect(sub!.facts.has("sha256")).toBe(false);
    expect(link!.facts.get("stat")?.[0]).toMatch(/^symbolic link\|/);
    expect(link!.facts.has("sha256")).toBe(false);

    expect(missing!.facts.get("absent")).toEqual(["", "", ""]);
    expect(missing!.facts.get("noparent")).toEqual([path.join(dir, "no"), file]);
    expect(missingParent(parseProbe(run([{ lookups: [entry(path.join(dir, "no", "parent"))] }]).outputs[0]!.output))).toBe(`directory ${path.join(dir, "no")} does not exist`);
    expect(missingParent(parseProbe(run([{ lookups: [entry(path.join(file, "x"))] }]).outputs[0]!.output))).toBe(`${file} is not a directory`);

    expect(again!.blobs.get("current")?.toString()).toBe("same\n");
    expect(outputs.every((o) => o!.exitCode === 0)).toBe(true);
    expect(existsSync(path.join(dir, "PWNED"))).toBe(false);
  });

  it("without an expected hash (lineinfile) the content always comes back; an empty file too", () => {
    const file = path.join(dir, "empty");
    writeFileSync(file, "");
    const [out] = run([{ lookups: [content(file)] }]).outputs;
    expect(parseProbe(out!.output).blobs.get("current")?.toString()).toBe("");
  });

  it("an entry that vanished between the test and stat is reported per path, not misaligned", () => {
    const batch = buildLookupBatch([entry("/a"), entry("/b"), entry("/c")], "@@m-");
    // What the fallback prints when /b disappeared: flags, the failed batch stat's partial output, then one line per path.
    const stdout = ["@@m-entries", "e", "e", "e", "directory|755|0|0|root|root|4096", "?restat", "directory|755|0|0|root|root|4096", "?", "regular file|644|0|0|root|root|3", "@@m-done"].join("\n");
    const parsed = batch.parse(stdout);
    expect(parsed.answer(entry("/a"))).toBe("#deploy:stat directory|755|0|0|root|root|4096");
    expect(parsed.answer(entry("/b"))).toBe("stat: cannot read /b");
    expect(parsed.answer(entry("/c"))).toBe("#deploy:stat regular file|644|0|0|root|root|3");
  });
});

describe("account lookups", () => {
  it("one getent per database: entries found, missing names reported", () => {
    const [out] = run([
      {
        lookups: [
          { kind: "account", db: "passwd", name: "root" },
          { kind: "account", db: "passwd", name: "no-such-user-x" },
          { kind: "account", db: "group", name: "root" },
          { kind: "account", db: "group", name: "no-such-group-x" },
        ],
      },
    ]).outputs;
    const report = parseProbe(out!.output);
    expect(report.facts.get("passwd")?.[0]).toMatch(/^root:x?:0:0:/);
    expect(report.facts.get("nouser")).toEqual(["no-such-user-x"]);
    expect(report.facts.get("group")?.[0]).toMatch(/^root:x?:0:/);
    expect(report.facts.get("nogroup")).toEqual(["no-such-group-x"]);
  });
});

describe("unit lookups", () => {
  function fakeSystemctl(body: string): string {
    const bin = path.join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, "systemctl"), 0o755);
    return bin;
  }

  it("one systemctl show for all units, each unit its own block and unit file check", () => {
    const bin = fakeSystemctl(`echo "$*" >> ${dir}/calls; printf 'LoadState=loaded\\nActiveState=active\\n\\nLoadState=not-found\\nActiveState=inactive\\n'`);
    writeFileSync(path.join(dir, "b.service"), "");
    const unit = (name: string, files: string[]): Lookup => ({ kind: "unit", name, files });
    const { outputs } = run([{ lookups: [unit("a.service", ["/nonexistent/a.service"])] }, { lookups: [unit("b.service", [path.join(dir, "b.service")])] }], bin);
    expect(outputs[0]!.output).toBe("#deploy:LoadState loaded\n#deploy:ActiveState active");
    expect(outputs[1]!.output).toBe("#deploy:LoadState not-found\n#deploy:ActiveState inactive\n#deploy:unit-file");
    expect(execFileSync("cat", [path.join(dir, "calls")], { encoding: "utf8" }).trim()).toBe(
      "show -p LoadState,ActiveState,UnitFileState,NeedDaemonReload,FragmentPath -- a.service b.service",
    );
  });

  it("an error instead of the blocks is every unit's noise, never a property", () => {
    const bin = fakeSystemctl("echo 'LoadState=loaded'; echo 'System has not been booted with systemd' >&2; exit 1");
    const unit = (name: string): Probe => ({ lookups: [{ kind: "unit", name, files: [] }] });
    const outputs = run([unit("a.service"), unit("b.service")], bin).outputs;
    expect(outputs.map((o) => o!.output)).toEqual(Array(2).fill("! LoadState=loaded\n! System has not been booted with systemd"));
  });
});

describe("lookups and scripts in one batch", () => {
  it("a probe gets its script's output and its lookups' answers; a batch cut short has no exit status", () => {
    const file = path.join(dir, "f");
    writeFileSync(file, "x");
    const probes: Probe[] = [{ lookups: [entry(file)], script: raw("echo from-script; exit 3") }, { lookups: [entry(file)] }];
    const { outputs, stdout, batch } = run(probes);
    expect(outputs[0]).toEqual({ exitCode: 3, output: expect.stringMatching(/^from-script\n#deploy:stat regular file\|/) });
    expect(outputs[1]).toEqual({ exitCode: 0, output: expect.stringMatching(/^#deploy:stat regular file\|/) });
    const cut = batch.parse(stdout.slice(0, stdout.indexOf("lookup-done")));
    expect(cut[1]).toEqual({ exitCode: null, output: expect.stringMatching(/^#deploy:stat regular file\|/) });
  });
});
