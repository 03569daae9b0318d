// The sudo wrapper run for real by /bin/sh against a stand-in `sudo` that behaves like sudo does for
// each sudoers setup (NOPASSWD, password required, wrong password, not allowed), so the tricky part,
// where the password goes, is tested without root or a real sudo.
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createLocalConnection } from "../../../src/connection/local.js";
import { prepareCommand } from "../../../src/connection/remote-command.js";
import { BecomeError } from "../../../src/connection/types.js";

const PASSWORD = "pa ss'w\"rd$(x)";

// Mimics sudo: -n refuses when a password is needed; -S reads up to 3 lines from stdin as attempts
// (byte by byte, like sudo, so the rest of stdin stays for the command); logs its argv.
const FAKE_SUDO = `#!/bin/sh
printf '%s\\n' "$*" >> "$FAKE_SUDO_LOG"
n=; S=; user=root
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n=1 ;; -S) S=1 ;; -p) shift ;; -u) shift; user=$1 ;; --) shift; break ;;
  esac
  shift
done
case "$FAKE_SUDO_MODE" in
  denied) echo "sudo: $(id -un) is not in the sudoers file." >&2; exit 1 ;;
  password)
    if [ -n "$n" ]; then echo "sudo: a password is required" >&2; exit 1; fi
    tries=0
    while :; do
      IFS= read -r attempt || { echo "sudo: no password was provided" >&2; exit 1; }
      [ "$attempt" = "$FAKE_SUDO_PASSWORD" ] && break
      tries=$((tries+1))
      if [ $tries -ge 3 ]; then echo "sudo: 3 incorrect password attempts" >&2; exit 1; fi
      echo "Sorry, try again." >&2
    done ;;
esac
echo "sudo: unable to resolve host fake: Name or service not known" >&2
FAKE_SUDO_USER=$user exec "$@"
`;

let dir: string;
let log: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "deploy-become-"));
  log = join(dir, "sudo.log");
  await writeFile(join(dir, "sudo"), FAKE_SUDO);
  await chmod(join(dir, "sudo"), 0o755);
});

function connection(mode: "nopasswd" | "password" | "denied", becomePassword?: string, becomeUser?: string) {
  return createLocalConnection("web-01", {
    become: true,
    ...(becomeUser ? { becomeUser } : {}),
    ...(becomePassword !== undefined ? { becomePassword } : {}),
    env: { ...process.env, PATH: `${dir}:${process.env["PATH"]}`, FAKE_SUDO_LOG: log, FAKE_SUDO_MODE: mode, FAKE_SUDO_PASSWORD: PASSWORD },
  });
}

const STDIN = "first line\nsecond line\n";
const SHOW = 'echo "user=$FAKE_SUDO_USER"; cat; echo "rc-test" >&2; exit 3';

describe("become through sudo", () => {
  it("runs the command under sudo -n, strips sudo's own stderr, keeps exit code and stdin", async () => {
    const r = await connection("nopasswd", undefined, "app user").exec(SHOW, { stdin: STDIN });
    expect(r).toEqual({ exitCode: 3, stdout: `user=app user\n${STDIN}`, stderr: "rc-test\n" });
  });

  it("with a password sudo needs: the command gets exactly its stdin", async () => {
    const r = await connection("password", PASSWORD).exec(SHOW, { stdin: STDIN });
    expect(r.stdout).toBe(`user=root\n${STDIN}`);
    expect(r.exitCode).toBe(3);
  });

  it("with a password sudo does NOT read (NOPASSWD, cached): the password never reaches the command", async () => {
    const r = await connection("nopasswd", PASSWORD).exec("cat", { stdin: STDIN });
    expect(r.stdout).toBe(STDIN);
    const empty = await connection("nopasswd", PASSWORD).exec("cat");
    expect(empty.stdout).toBe("");
  });

  it("never puts the password on a command line", async () => {
    await connection("password", PASSWORD).exec("true");
    await connection("nopasswd", PASSWORD).exec("true");
    expect(await readFile(log, "utf8")).not.toContain("pa ss");
    expect(prepareCommand({ command: "true", become: { user: "root", password: PASSWORD } }).line).not.toContain("pa ss");
  });

  it("a wrong password is become-failed, and the command does not run", async () => {
    const marker = join(dir, "ran-wrong");
    const error = await connection("password", "wrong").exec(`touch ${marker}`, { stdin: STDIN }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BecomeError);
    expect(error).toMatchObject({ kind: "become-failed", hostName: "web-01", message: "sudo rejected the become password (become user root)" });
    await expect(readFile(marker)).rejects.toThrow();
  });

  it("a needed but missing password, or a user sudo refuses, is become-failed with one clear line", async () => {
    await expect(connection("password").exec("true")).rejects.toMatchObject({ kind: "become-failed", message: "sudo needs a password to become root" });
    await expect(connection("denied").exec("true")).rejects.toMatchObject({
      kind: "become-failed",
      message: "the login user may not run commands as root through sudo",
    });
  });

  it("become: false runs without sudo even on a become host", async () => {
    const r = await connection("denied").exec('echo "${FAKE_SUDO_USER:-none}"', { become: false });
    expect(r.stdout).toBe("none\n");
  });

  it("passes hostile command text through unchanged", async () => {
    const command = `printf '%s|' "a b" 'it'"'"'s' "$(echo sub)" \\$HOME; echo`;
    const plain = await createLocalConnection("x").exec(command);
    const viaSudo = await connection("password", PASSWORD).exec(command);
    expect(viaSudo.stdout).toBe(plain.stdout);
    expect(plain.stdout).toBe(`a b|it's|sub|$HOME|\n`);
  });

  it("put and get work through sudo", async () => {
    const conn = connection("password", PASSWORD);
    const file = join(dir, "through-sudo.bin");
    const bytes = Buffer.from([0, 1, 2, 255, 10, 13, 0]);
    await conn.put(file, bytes, { mode: "0640" });
    expect(await conn.get(file)).toEqual(bytes);
  });
});
