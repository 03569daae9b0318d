import { accessSync, constants } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { packageModule, packageSchema } from "../../../src/modules/package.js";
import {
  aptError,
  aptInstallCommand,
  DPKG_REASON_LINES,
  aptProbeScript,
  decideApt,
  parseAptProbe,
  parsePackageSpec,
  type AptDecision,
  type AptObservation,
  type AptWant,
} from "../../../src/modules/system/apt.js";
import { StubShell, taskContext } from "./stub-shell.js";

const ctx = taskContext();
let shell: StubShell | undefined;
afterEach(() => {
  shell?.cleanup();
  shell = undefined;
});

/** Probe output as the host would print it: `name status version candidate newer`. */
function probeOutput(listsAge: number | undefined, pkgs: [string, string, string, string, 0 | 1][]): string {
  const head = listsAge === undefined ? "#deploy:no-lists\n" : `#deploy:lists-age\t${listsAge}\n`;
  return head + pkgs.map((p) => `#deploy:pkg\t${p.join("\t")}\n`).join("");
}

function decide(params: Record<string, unknown>, output: string) {
  return packageModule.decide(packageSchema.parse(params), undefined, { exitCode: 0, output }, ctx);
}

describe("package schema", () => {
  it("takes a name or a list, with defaults", () => {
    expect(packageSchema.parse({ name: "nginx" })).toEqual({ name: "nginx", state: "present", cache_valid_time: 3600, install_recommends: false, purge: false });
    expect(packageSchema.parse({ name: ["nginx", "libc6:amd64", "tree=2.1.0-1"] }).name).toHaveLength(3);
  });

  it.each([["nginx; rm -rf /"], ["$(reboot)"], ["Nginx"], ["-y"], [""]])("rejects the name %j", (name) => {
    expect(packageSchema.safeParse({ name }).success).toBe(false);
  });

  it("rejects an empty list and unknown keys", () => {
    expect(packageSchema.safeParse({ name: [] }).success).toBe(false);
    expect(packageSchema.safeParse({ name: "x1", stat: "present" }).success).toBe(false);
  });
});

describe("decide", () => {
  const installed = (name: string, version = "1.0"): [string, string, string, string, 0 | 1] => [name, "ii ", version, "-", 0];
  const missing = (name: string, candidate = "2.0"): [string, string, string, string, 0 | 1] => [name, "un ", "", candidate, 0];

  it("everything installed: ok", () => {
    expect(decide({ name: ["nginx", "haproxy"] }, probeOutput(10, [installed("nginx"), installed("haproxy")]))).toEqual({ kind: "ok" });
  });

  it("missing packages: one install of all of them", () => {
    const plan = decide({ name: ["nginx", "haproxy", "tree"] }, probeOutput(10, [missing("nginx"), missing("haproxy"), installed("tree")]));
    expect(plan).toMatchObject({ kind: "change", summary: "install nginx, haproxy" });
  });

  it("a package dpkg never heard of, with an apt candidate, is installed without refreshing", () => {
    expect(decide({ name: "cowsay" }, probeOutput(99999, [["cowsay", "", "", "3.03", 0]]))).toMatchObject({ summary: "install cowsay" });
  });

  it("a package dpkg left unfinished is configured (or reinstalled) by the same install, and plan says so", () => {
    const plan = decide({ name: ["nginx", "tree", "hello"] }, probeOutput(10, [["nginx", "iF ", "", "1.0", 0], ["tree", "iHR", "", "2.1", 0], missing("hello")]));
    expect(plan).toMatchObject({ summary: "install hello, configure nginx (half-configured), reinstall tree (half-installed)" });
    if (plan.kind !== "change") throw new Error("expected a change");
    expect((plan.detail as AptDecision).finish.map((f) => f.spec.name)).toEqual(["nginx", "tree"]);
    expect(decide({ name: "nginx" }, probeOutput(10, [["nginx", "iU ", "", "1.0", 0]]))).toMatchObject({ summary: "configure nginx (unpacked, not configured)" });
  });

  it("a virtual package: ok when an installed package provides it, refused with its providers otherwise, without a refresh", () => {
    const provided = `${probeOutput(10, [["ssh-server", "un ", "", "", 0]])}#deploy:provider\tssh-server\tdropbear-bin\t0\n#deploy:provider\tssh-server\topenssh-server\t1\n`;
    expect(decide({ name: "ssh-server" }, provided)).toEqual({ kind: "ok", summary: "ssh-server is a virtual package, provided by openssh-server (installed)" });
    const withOther = decide({ name: ["ssh-server", "tree"] }, `${provided}#deploy:pkg\ttree\tun \t\t2.1\t0\n`);
    expect(withOther).toMatchObject({ kind: "change", summary: "install tree; ssh-server is a virtual package, provided by openssh-server (installed)" });
    const choice = `${probeOutput(10, [["mail-transport-agent", "", "", "", 0]])}#deploy:provider\tmail-transport-agent\texim4-daemon-light\t0\n#deploy:provider\tmail-transport-agent\tpostfix\t0\n`;
    expect(decide({ name: "mail-transport-agent" }, choice)).toEqual({
      kind: "fail",
      message: "mail-transport-agent is a virtual package provided by exim4-daemon-light, postfix: name the one to install",
    });
  });

  it("a virtual package with one provider installs that provider, as apt-get does, and says so", () => {
    const sole = `${probeOutput(10, [["python3-types-chardet", "", "", "", 0]])}#deploy:provider\tpython3-types-chardet\tpython3-typeshed\t0\n`;
    const plan = decide({ name: "python3-types-chardet" }, sole);
    expect(plan).toMatchObject({ kind: "change", summary: "install python3-typeshed (provides python3-types-chardet)" });
    if (plan.kind !== "change") throw new Error("expected a change");
    expect((plan.detail as AptDecision).install).toEqual([{ name: "python3-typeshed" }]);
    // Named as well: installed once.
    expect(decide({ name: ["python3-types-chardet", "python3-typeshed"] }, `${sole}#deploy:pkg\tpython3-typeshed\tun \t\t1.0\t0\n`)).toMatchObject({
      summary: "install python3-typeshed (provides python3-types-chardet)",
    });
    // Installed: the next run is ok.
    expect(decide({ name: "python3-types-chardet" }, sole.replace(/\t0\n$/, "\t1\n"))).toEqual({
      kind: "ok",
      summary: "python3-types-chardet is a virtual package, provided by python3-typeshed (installed)",
    });
  });

  it("update_cache: stale lists are refreshed before installing, fresh ones are not", () => {
    expect(decide({ name: "nginx", update_cache: true }, probeOutput(7200, [missing("nginx")]))).toMatchObject({
      summary: "refresh apt lists (lists are 2h old), install nginx",
    });
    expect(decide({ name: "nginx", update_cache: true, cache_valid_time: 86400 }, probeOutput(7200, [missing("nginx")]))).toMatchObject({
      summary: "install nginx",
    });
  });

  it("update_cache: nothing to install means no refresh, however old the lists", () => {
    expect(decide({ name: "nginx", update_cache: true }, probeOutput(999999, [installed("nginx")]))).toEqual({ kind: "ok" });
  });

  it("no candidate: refresh by default, fail when update_cache is false", () => {
    expect(decide({ name: "nginx" }, probeOutput(60, [missing("nginx", "")]))).toMatchObject({
      summary: "refresh apt lists (no candidate for nginx), install nginx",
    });
    expect(decide({ name: "nginx" }, probeOutput(undefined, [missing("nginx", "")]))).toMatchObject({
      summary: "refresh apt lists (no apt lists yet), install nginx",
    });
    expect(decide({ name: "nginx", update_cache: false }, probeOutput(60, [missing("nginx", "")]))).toMatchObject({
      kind: "fail",
      message: expect.stringContaining("no installation candidate for nginx"),
    });
  });

  it("latest: upgrades only what has a newer candidate", () => {
    const plan = decide(
      { name: ["nginx", "tree"], state: "latest" },
      probeOutput(10, [["nginx", "ii ", "1.22.1-9", "1.22.1-9+deb12u1", 1], ["tree", "ii ", "2.1.0-1", "2.1.0-1", 0]]),
    );
    expect(plan).toMatchObject({ kind: "change", summary: "upgrade nginx 1.22.1-9 -> 1.22.1-9+deb12u1" });
    expect(decide({ name: "tree", state: "latest" }, probeOutput(10, [["tree", "ii ", "2.1.0-1", "2.1.0-1", 0]]))).toEqual({ kind: "ok" });
  });

  it("latest with update_cache and stale lists: refresh, then upgrade what turns out newer", () => {
    expect(decide({ name: "tree", state: "latest", update_cache: true }, probeOutput(7200, [["tree", "ii ", "2.1", "2.1", 0]]))).toMatchObject({
      summary: "refresh apt lists (lists are 2h old), then upgrade what has a newer version",
    });
  });

  it("pinned versions", () => {
    expect(decide({ name: "tree=2.1.0-1" }, probeOutput(10, [["tree", "ii ", "2.1.0-1", "-", 0]]))).toEqual({ kind: "ok" });
    expect(decide({ name: "tree=2.1.0-1" }, probeOutput(10, [["tree", "ii ", "2.0.0-1", "-", 0]]))).toMatchObject({
      summary: "upgrade tree 2.0.0-1 -> 2.1.0-1",
    });
    expect(decide({ name: "tree=2.1.0-1" }, probeOutput(10, [["tree", "un ", "", "2.2", 0]]))).toMatchObject({ summary: "install tree=2.1.0-1" });
  });

  it("a held package (apt-mark hold) that would be installed or upgraded is a failure to come, with the reason", () => {
    const reason = "tree (2.0.0-1) is held (apt-mark hold): apt-get would refuse to change it; run apt-mark unhold first, or ask for the held version";
    expect(decide({ name: "tree=2.1.0-1" }, probeOutput(10, [["tree", "hi ", "2.0.0-1", "-", 0]]))).toEqual({ kind: "blocked", reason });
    expect(decide({ name: "tree", state: "latest" }, probeOutput(10, [["tree", "hi ", "2.0.0-1", "2.1.0-1", 1]]))).toEqual({ kind: "blocked", reason });
    expect(decide({ name: ["tree", "nginx"] }, probeOutput(10, [["tree", "hn ", "", "2.1", 0], missing("nginx")]))).toMatchObject({
      kind: "blocked",
      reason: expect.stringMatching(/^tree is held \(apt-mark hold\)/),
    });
    // Held and installed as asked, or held at the newest version: nothing to do, nothing refused.
    expect(decide({ name: "tree" }, probeOutput(10, [["tree", "hi ", "2.0.0-1", "-", 0]]))).toEqual({ kind: "ok" });
    expect(decide({ name: "tree", state: "latest" }, probeOutput(10, [["tree", "hi ", "2.1", "2.1", 0]]))).toEqual({ kind: "ok" });
  });

  it("absent: removes installed ones; purge also takes leftover configuration", () => {
    const out = probeOutput(10, [installed("nginx"), ["haproxy", "rc ", "", "-", 0], ["tree", "", "", "-", 0]]);
    expect(decide({ name: ["nginx", "haproxy", "tree"], state: "absent" }, out)).toMatchObject({ summary: "remove nginx" });
    expect(decide({ name: ["nginx", "haproxy", "tree"], state: "absent", purge: true }, out)).toMatchObject({ summary: "remove nginx, haproxy" });
    expect(decide({ name: "tree", state: "absent" }, out)).toEqual({ kind: "ok" });
  });

  it("other package managers and hosts without dpkg fail clearly", () => {
    const dnf = taskContext({ packageManager: "dnf" });
    const params = packageSchema.parse({ name: "nginx" });
    expect(packageModule.probe(params, undefined, dnf)).toBeUndefined();
    expect(packageModule.decide(params, undefined, undefined, dnf)).toEqual({ kind: "fail", message: "package supports apt only; this host uses dnf" });
    expect(decide({ name: "nginx" }, "#deploy:no-dpkg\n")).toMatchObject({ kind: "fail", message: expect.stringContaining("no dpkg") });
  });
});

describe("parseAptProbe", () => {
  it("ignores tool noise between the tagged lines", () => {
    const seen: AptObservation = parseAptProbe("W: some apt warning\n#deploy:lists-age\t42\nperl: warning: locale\n#deploy:pkg\tnginx\tii \t1.0\t-\t0\n");
    expect(seen.listsAge).toBe(42);
    expect(seen.packages.get("nginx")).toEqual({ name: "nginx", status: "ii ", installed: true, version: "1.0", candidate: undefined, newer: false, providers: [] });
  });
});

describe("the probe script on a stubbed host", () => {
  // dpkg-query/apt-cache/dpkg answer from a small table; the lists directory is faked through ls/stat/date.
  const stubs = {
    "dpkg-query": `shift 2; rc=0
for p in "$@"; do
  case $p in nginx) printf 'nginx\\tii \\t1.22.1-9\\n' ;; haproxy) printf 'haproxy\\trc \\t2.6\\n' ;; openssh-server) printf 'ii ' ;; *) echo "dpkg-query: no packages found matching $p" >&2; rc=1 ;; esac
done
exit $rc`,
    // Like apt-cache: a block per known package (the native architecture's without its ":amd64"), nothing
    // on stdout for an unknown one, "(none)" for a virtual one.
    // showpkg: a virtual package's "Reverse Provides" (name version (= ) per line, a provider once per version).
    "apt-cache": `if [ "$1" = showpkg ]; then
  case $2 in mta) printf 'Package: mta\\nReverse Depends: \\n  mutt,mta\\nReverse Provides: \\npostfix 3.7 (= )\\nopenssh-server 1:9.2 (= )\\npostfix 3.8 (= )\\n' ;; esac
  exit 0
fi
shift
for p in "$@"; do
  case $p in nginx) c=1.22.1-9+deb12u1 ;; haproxy) c=2.6.12 ;; cowsay) c=3.03 ;; libc6:amd64) c=2.36 ;; mta) c='(none)' ;; *) echo "N: Unable to locate package $p" >&2; continue ;; esac
  printf '%s:\\n  Installed: (none)\\n  Candidate: %s\\n  Version table:\\n *** %s 500\\n        500 http://deb.debian.org/debian bookworm/main amd64 Packages\\n' "\${p%:amd64}" "$c" "$c"
done`,
    dpkg: `[ "$1" = --compare-versions ] && [ "$2" != "$4" ]`,
    ls: "echo deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
    stat: "echo 1000",
    date: "echo 1600",
  };

  it("reports status, version, candidate and age for every package in one run", async () => {
    shell = new StubShell(stubs);
    const seen = parseAptProbe((await shell.probe(aptProbeScript(["nginx", "haproxy", "cowsay", "nope", "libc6:amd64", "mta"], "all")))!.output);
    expect(seen.listsAge).toBe(600);
    expect([...seen.packages.values()].map((p) => [p.name, p.installed, p.version, p.candidate, p.newer])).toEqual([
      ["nginx", true, "1.22.1-9", "1.22.1-9+deb12u1", true],
      ["haproxy", false, "", "2.6.12", false],
      ["cowsay", false, "", "3.03", false],
      ["nope", false, "", "", false],
      ["libc6:amd64", false, "", "2.36", false],
      ["mta", false, "", "", false],
    ]);
    expect(seen.packages.get("mta")?.providers).toEqual([{ name: "postfix", installed: false }, { name: "openssh-server", installed: true }]);
    expect(seen.packages.get("nope")?.providers).toEqual([]);
    // policy once for all; showpkg only for the names apt has no candidate for and dpkg does not know.
    expect(shell.calls().filter((c) => c.tool === "apt-cache").map((c) => c.args)).toEqual([
      ["policy", "nginx", "haproxy", "cowsay", "nope", "libc6:amd64", "mta"],
      ["showpkg", "nope"],
      ["showpkg", "mta"],
    ]);
  });

  it("a plan asks apt-cache as nobody (a missing or stale binary cache is not rewritten); an apply as itself", async () => {
    const stub = { ...stubs, setpriv: 'shift 3; exec "$@"' };
    // Dropping privileges only matters where apt-cache could write its cache (root, on CI).
    let writable = true;
    try {
      accessSync("/var/cache/apt", constants.W_OK);
    } catch {
      writable = false;
    }
    shell = new StubShell(stub);
    await shell.probe(aptProbeScript(["cowsay"], "missing", true));
    expect(shell.calls().filter((c) => c.tool === "setpriv").map((c) => c.args)).toEqual(
      writable ? [["--reuid=65534", "--regid=65534", "--clear-groups", "apt-cache", "policy", "cowsay"]] : [],
    );
    shell.clearCalls();
    await shell.probe(aptProbeScript(["cowsay"], "missing", false));
    expect(shell.calls().filter((c) => c.tool === "setpriv")).toEqual([]);
    expect(shell.calls().filter((c) => c.tool === "apt-cache").map((c) => c.args)).toEqual([["policy", "cowsay"]]);
  });

  it("asks apt-cache once, only about packages that are not installed unless state is latest", async () => {
    shell = new StubShell(stubs);
    await shell.probe(aptProbeScript(["nginx", "cowsay"], "missing"));
    expect(shell.calls().filter((c) => c.tool === "apt-cache").map((c) => c.args)).toEqual([["policy", "cowsay"]]);
    shell.clearCalls();
    await shell.probe(aptProbeScript(["nginx", "cowsay"], "none"));
    expect(shell.calls().filter((c) => c.tool === "apt-cache")).toEqual([]);
  });
});

describe("apply on a stubbed host", () => {
  it("installs all missing packages with ONE apt-get call and the agreed options", async () => {
    shell = new StubShell({ "apt-get": "echo 'Setting up nginx'" });
    const params = packageSchema.parse({ name: ["nginx", "haproxy"] });
    const plan = packageModule.decide(params, undefined, { exitCode: 0, output: probeOutput(10, [["nginx", "un ", "", "1", 0], ["haproxy", "", "", "2", 0]]) }, ctx);
    if (plan.kind !== "change") throw new Error("expected a change");
    const result = await packageModule.apply(params, undefined, plan, shell.context());
    expect(result).toEqual({ changed: true, summary: "install nginx, haproxy" });
    const calls = shell.calls().filter((c) => c.tool === "apt-get");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args).toEqual([
      "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=120", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold",
      "--no-install-recommends", "--allow-downgrades", "nginx", "haproxy",
    ]);
  });

  it("runs apt non-interactively", async () => {
    shell = new StubShell({ "apt-get": 'echo "frontend=$DEBIAN_FRONTEND"' });
    const result = await shell.run(aptInstallCommand(["tree"], { installRecommends: true }));
    expect(result.stdout).toContain("frontend=noninteractive");
    expect(result.calls[0]!.args).toContain("--install-recommends");
  });

  it("waits while another apt holds the lock, then installs", async () => {
    shell = new StubShell({
      "apt-get": `n=$(cat tries 2>/dev/null || echo 0); echo $((n + 1)) > tries
if [ "$n" -lt 2 ]; then echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 42 (apt-get)" >&2; exit 100; fi
echo installed`,
      sleep: "exit 0",
    });
    const result = await shell.run(aptInstallCommand(["tree"]));
    expect(result.exitCode).toBe(0);
    expect(result.calls.filter((c) => c.tool === "apt-get")).toHaveLength(3);
  });

  it("without root, the lock is refused at once with a hint instead of 2 minutes of waiting", async () => {
    shell = new StubShell({
      "apt-get": `echo "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)" >&2
echo "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?" >&2; exit 100`,
      sleep: "exit 0",
    });
    const result = await shell.run(aptInstallCommand(["tree"]));
    expect(result.exitCode).toBe(100);
    expect(result.calls.filter((c) => c.tool === "apt-get")).toHaveLength(1);
    expect(result.stdout).toContain("(apt needs root: use become)");
  });

  it("a failing install fails the task with apt's error lines", async () => {
    shell = new StubShell({ "apt-get": "echo 'Reading package lists...'; echo 'E: Unable to locate package nope' >&2; exit 100" });
    const params = packageSchema.parse({ name: "nope1", update_cache: false });
    const detail: AptDecision = { refresh: false, install: [parsePackageSpec("nope1")], finish: [], virtual: [], upgrade: [], remove: [], unavailable: [] };
    const result = await packageModule.apply(params, undefined, { kind: "change", summary: "", detail }, shell.context());
    expect(result.failed).toBe("apt-get install nope1 failed: E: Unable to locate package nope");
  });

  it("a dpkg failure says why: dpkg's error with its reason and the package script's own error line", () => {
    const output = `Reading package lists...
Setting up nginx (1.22.1-9) ...
Job for nginx.service failed because the control process exited with error code.
See "systemctl status nginx.service" and "journalctl -xeu nginx.service" for details.
invoke-rc.d: initscript nginx, action "start" failed.
\u25cf nginx.service - A high performance web server and a reverse proxy server
     Active: failed (Result: exit-code) since Sun 2026-11-29 14:00:00 UTC; 9ms ago
Nov 29 14:00:00 web-01 nginx[812]: nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)
dpkg: error processing package nginx (--configure):
 installed nginx package post-installation script subprocess returned error exit status 1
Errors were encountered while processing:
 nginx
E: Sub-process /usr/bin/dpkg returned an error code (1)
`;
    expect(aptError(output)).toBe(
      [
        "E: Sub-process /usr/bin/dpkg returned an error code (1)",
        "Job for nginx.service failed because the control process exited with error code.",
        'invoke-rc.d: initscript nginx, action "start" failed.',
        "Nov 29 14:00:00 web-01 nginx[812]: nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)",
        "dpkg: error processing package nginx (--configure): installed nginx package post-installation script subprocess returned error exit status 1",
      ].join(" / "),
    );
    // Bounded: a script printing hundreds of errors gives the last few.
    const flood = Array.from({ length: 50 }, (_, i) => `cannot do ${i}`).join("\n");
    expect(aptError(`${flood}\nE: Sub-process /usr/bin/dpkg returned an error code (1)\n`).split(" / ")).toEqual([
      "E: Sub-process /usr/bin/dpkg returned an error code (1)",
      ...Array.from({ length: DPKG_REASON_LINES }, (_, i) => `cannot do ${50 - DPKG_REASON_LINES + i}`),
    ]);
  });

  it("refreshes the lists, stamps the time, then decides again from a fresh probe", async () => {
    // Before the update cowsay has no candidate; after it, it does.
    shell = new StubShell({
      "apt-get": 'if [ "$4" = update ] || [ "$5" = update ]; then : > updated; fi; exit 0',
      "dpkg-query": "exit 1",
      "apt-cache": "if [ -e updated ]; then c=3.03; else c='(none)'; fi; printf 'cowsay:\\n  Candidate: %s\\n' \"$c\"",
      dpkg: "exit 1",
      ls: "exit 0",
      touch: "exit 0",
    });
    const params = packageSchema.parse({ name: "cowsay" });
    const want: AptWant = { packages: [parsePackageSpec("cowsay")], state: "present", updateCache: "auto", cacheValidTime: 3600, purge: false };
    const before = parseAptProbe((await shell.probe(packageModule.probe(params, undefined, ctx)))!.output);
    const decision = decideApt(want, before);
    expect(decision).toMatchObject({ refresh: true, install: [{ name: "cowsay" }] });
    const result = await packageModule.apply(params, undefined, { kind: "change", summary: "", detail: decision }, shell.context());
    expect(result).toEqual({ changed: true, summary: "install cowsay" });
    const apt = shell.calls().filter((c) => c.tool === "apt-get").map((c) => c.args.find((a) => a === "update" || a === "install"));
    expect(apt).toEqual(["update", "install"]);
    expect(shell.calls().find((c) => c.tool === "touch")?.args).toEqual(["/var/lib/apt/periodic/update-success-stamp"]);
  });

  it("latest with a refresh: a held package found newer after it is refused before apt-get install runs", async () => {
    shell = new StubShell({
      "apt-get": 'if [ "$4" = update ] || [ "$5" = update ]; then : > updated; fi; exit 0',
      "dpkg-query": "printf 'tree\\thi \\t2.0\\n'",
      "apt-cache": "if [ -e updated ]; then c=2.1; else c=2.0; fi; printf 'tree:\\n  Candidate: %s\\n' \"$c\"",
      dpkg: '[ "$1" = --compare-versions ] && [ "$2" = 2.1 ] && [ "$4" = 2.0 ]',
      touch: "exit 0",
    });
    const params = packageSchema.parse({ name: "tree", state: "latest", update_cache: true, cache_valid_time: 0 });
    const plan = packageModule.decide(params, undefined, await shell.probe(packageModule.probe(params, undefined, ctx)), ctx);
    expect(plan).toMatchObject({ kind: "change", summary: expect.stringMatching(/^refresh apt lists/) });
    if (plan.kind !== "change") throw new Error("expected a change");
    expect(await packageModule.apply(params, undefined, plan, shell.context())).toEqual({
      changed: false,
      failed: "tree (2.0) is held (apt-mark hold): apt-get would refuse to change it; run apt-mark unhold first, or ask for the held version",
    });
    expect(shell.calls().filter((c) => c.tool === "apt-get").map((c) => c.args.find((a) => a === "update" || a === "install"))).toEqual(["update"]);
  });
});
