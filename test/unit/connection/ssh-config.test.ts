import { describe, expect, it } from "vitest";
import { expandTokens, hostPatternsMatch, parseSshConfig, splitWords, sshConfigFor } from "../../../src/connection/ssh-config.js";

const HOME = "/home/ann";

function config(text: string, files: Record<string, string> = {}) {
  return parseSshConfig(text, `${HOME}/.ssh/config`, {
    home: HOME,
    readFile: (p) => files[p],
    listDir: (dir) => Object.keys(files).filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1)),
  });
}

describe("~/.ssh/config", () => {
  it("first value wins across matching blocks; IdentityFile accumulates", () => {
    const c = config(`
Host web-*
  User deploy
  IdentityFile ~/.ssh/web
Host *
  User nobody
  Port 2200
  IdentityFile ~/.ssh/id_ed25519
`);
    expect(sshConfigFor(c, "web-01")).toEqual({ user: "deploy", port: 2200, identityFiles: ["~/.ssh/web", "~/.ssh/id_ed25519"] });
    expect(sshConfigFor(c, "db-01")).toEqual({ user: "nobody", port: 2200, identityFiles: ["~/.ssh/id_ed25519"] });
  });

  it("honours negated patterns, key=value syntax, quotes and case-insensitive keywords", () => {
    const c = config(`
Host 10.77.0.* !10.77.0.13
    HOSTNAME=%h.lab
    user "ops team"
    ProxyJump bastion@10.77.0.11:22
`);
    expect(sshConfigFor(c, "10.77.0.12")).toEqual({ hostName: "%h.lab", user: "ops team", identityFiles: [], proxyJump: "bastion@10.77.0.11:22" });
    expect(sshConfigFor(c, "10.77.0.13")).toEqual({ identityFiles: [] });
  });

  it("applies settings before the first Host to every host, skips Match blocks", () => {
    const c = config(`
User early
Match host web-01
  User never
Host web-01
  Port 2222
`);
    expect(sshConfigFor(c, "web-01")).toEqual({ user: "early", port: 2222, identityFiles: [] });
  });

  it("splices Include'd files (globs relative to ~/.ssh) in place", () => {
    const c = config("Include config.d/*\nHost *\n  User last\n", {
      [`${HOME}/.ssh/config.d/10-web`]: "Host web-01\n  User from-include\n",
      [`${HOME}/.ssh/config.d/20-db`]: "Host db-01\n  Port 2201\n",
    });
    expect(sshConfigFor(c, "web-01").user).toBe("from-include");
    expect(sshConfigFor(c, "db-01")).toEqual({ user: "last", port: 2201, identityFiles: [] });
  });

  it("ignores a bad port value and lets the next one count", () => {
    const c = config("Host *\n  Port nope\n  Port 2022\n");
    expect(sshConfigFor(c, "x").port).toBe(2022);
  });

  it("matches patterns like OpenSSH", () => {
    expect(hostPatternsMatch(["*"], "anything")).toBe(true);
    expect(hostPatternsMatch(["!web-02", "web-*"], "web-02")).toBe(false);
    expect(hostPatternsMatch(["!web-02"], "web-01")).toBe(false);
    expect(splitWords('a "b c" d')).toEqual(["a", "b c", "d"]);
  });

  it("expands ~ and %-tokens", () => {
    const tokens = { host: "10.0.0.5", original: "web", remoteUser: "root", localUser: "ann", home: HOME, port: 22 };
    expect(expandTokens("~/.ssh/id_%r@%h-%p%%", tokens)).toBe(`${HOME}/.ssh/id_root@10.0.0.5-22%`);
    expect(expandTokens("%d/k-%u-%n", tokens)).toBe(`${HOME}/k-ann-web`);
  });
});
