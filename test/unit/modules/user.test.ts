import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { groupModule, groupSchema } from "../../../src/modules/group.js";
import { parseUserProbe, userModule, userSchema } from "../../../src/modules/user.js";
import { StubShell, taskContext } from "./stub-shell.js";

const ctx = taskContext();
let shell: StubShell | undefined;
afterEach(() => {
  shell?.cleanup();
  shell = undefined;
});

const APP = "#deploy:passwd app:x:1500:1500:App user:/srv/app:/usr/sbin/nologin\n";
const GROUPS = "#deploy:group app:x:1500:\n#deploy:group www-data:x:33:app\n#deploy:group docker:x:999:\n";

function decideUser(params: Record<string, unknown>, output: string, context = ctx) {
  return userModule.decide(userSchema.parse(params), undefined, { exitCode: 0, output }, context);
}

describe("user schema", () => {
  it.each([["root; reboot"], ["-o"], ["a b"], ["$(id)"], ["x".repeat(33)]])("rejects the name %j", (name) => {
    expect(userSchema.safeParse({ name }).success).toBe(false);
  });
  it("rejects relative homes and clear-text-looking junk with ':'", () => {
    expect(userSchema.safeParse({ name: "app", home: "srv/app" }).success).toBe(false);
    expect(userSchema.safeParse({ name: "app", password: "a:b" }).success).toBe(false);
    expect(userSchema.safeParse({ name: "app", shell: "/bin/bash", comment: "Line\nbreak" }).success).toBe(false);
  });
});

describe("user decide", () => {
  it("creates a missing user with what was asked", () => {
    expect(decideUser({ name: "app", uid: 1500, home: "/srv/app", shell: "/usr/sbin/nologin", system: true }, "#deploy:nouser app\n")).toMatchObject({
      kind: "change",
      summary: "create user app (uid 1500, home /srv/app, shell /usr/sbin/nologin, system)",
      detail: { action: "create", args: ["-u", "1500", "-d", "/srv/app", "-s", "/usr/sbin/nologin", "-r", "-m"] },
    });
  });

  it("an existing matching user is ok", () => {
    expect(decideUser({ name: "app", uid: 1500, group: "app", groups: ["www-data"], home: "/srv/app", shell: "/usr/sbin/nologin", comment: "App user" }, `${APP}${GROUPS}#deploy:member-of www-data,\n`)).toEqual({ kind: "ok" });
  });

  it("lists each difference and changes only those", () => {
    const plan = decideUser({ name: "app", uid: 1501, shell: "/bin/bash", groups: ["docker"] }, `${APP}${GROUPS}#deploy:member-of www-data,\n`);
    expect(plan).toMatchObject({
      kind: "change",
      summary: "user app: uid 1500 -> 1501, groups +docker -www-data, shell /usr/sbin/nologin -> /bin/bash",
      detail: { action: "modify", args: ["-u", "1501", "-G", "docker", "-s", "/bin/bash"] },
    });
  });

  it("append only adds groups", () => {
    expect(decideUser({ name: "app", groups: ["docker"], append: true }, `${APP}${GROUPS}#deploy:member-of www-data,\n`)).toMatchObject({
      summary: "user app: groups +docker",
      detail: { args: ["-a", "-G", "docker"] },
    });
    expect(decideUser({ name: "app", groups: ["www-data"], append: true }, `${APP}${GROUPS}#deploy:member-of www-data,docker,\n`)).toEqual({ kind: "ok" });
  });

  it("a primary group by name is compared by gid", () => {
    expect(decideUser({ name: "app", group: "www-data" }, `${APP}${GROUPS}`)).toMatchObject({ summary: "user app: group -> www-data", detail: { args: ["-g", "www-data"] } });
    expect(decideUser({ name: "app", group: 1500 }, APP)).toEqual({ kind: "ok" });
  });

  it("a group that does not exist yet blocks the check", () => {
    expect(decideUser({ name: "app", groups: ["docker"] }, `${APP}#deploy:nogroup docker\n#deploy:member-of \n`)).toEqual({
      kind: "blocked",
      reason: "group docker does not exist (needed by user app)",
    });
  });

  it("passwords are compared on the host and never shown", () => {
    const hash = "$y$j9T$abc$def";
    expect(decideUser({ name: "app", password: hash }, `${APP}#deploy:password same\n`)).toEqual({ kind: "ok" });
    const plan = decideUser({ name: "app", password: hash }, `${APP}#deploy:password differs\n`);
    expect(plan).toMatchObject({ summary: "user app: password" });
    expect(JSON.stringify(plan.kind === "change" ? plan.summary : "")).not.toContain(hash);
    expect(decideUser({ name: "app", password: hash, update_password: "on_create" }, `${APP}#deploy:password differs\n`)).toEqual({ kind: "ok" });
    expect(decideUser({ name: "app", password: hash }, `${APP}#deploy:password unreadable\n`)).toMatchObject({ kind: "fail" });
  });

  it("absent removes an existing user, and is ok when there is none", () => {
    expect(decideUser({ name: "app", state: "absent", remove: true }, APP)).toMatchObject({ summary: "remove user app and its home", detail: { action: "remove" } });
    expect(decideUser({ name: "app", state: "absent" }, "#deploy:nouser app\n")).toEqual({ kind: "ok" });
  });
});

describe("user on a stubbed host", () => {
  // Like getent: every key given is looked up, exit 2 when one is not found; no key lists the database.
  const getent = `db=$1; shift
[ $# -eq 0 ] && [ "$db" = group ] && { printf 'app:x:1500:\\ndocker:x:999:other,app\\nsudo:x:27:appx\\n'; exit 0; }
rc=0
for key do case "$db $key" in
  "passwd app") echo 'app:x:1500:1500:App user:/srv/app:/usr/sbin/nologin' ;;
  "group app") echo 'app:x:1500:' ;;
  "group docker") echo 'docker:x:999:app' ;;
  "shadow app") echo 'app:$y$j9T$abc$def:19000:0:99999:7:::' ;;
  *) rc=2 ;;
esac; done
exit $rc`;

  it("one probe reads passwd, groups, memberships and the password", async () => {
    shell = new StubShell({ getent });
    const params = userSchema.parse({ name: "app", group: "app", groups: ["docker", "missing"], password: "$y$j9T$abc$def" });
    const seen = parseUserProbe((await shell.probe(userModule.probe(params, undefined, ctx)))!.output);
    expect(seen.user).toEqual({ name: "app", uid: 1500, gid: 1500, comment: "App user", home: "/srv/app", shell: "/usr/sbin/nologin" });
    expect(seen.memberOf).toEqual(["docker"]);
    expect(seen.missingGroups).toEqual(["missing"]);
    expect(seen.password).toBe("same");
  });

  it("hostile values reach usermod as single literal words", async () => {
    shell = new StubShell({ getent, usermod: "exit 0" });
    const comment = `it's "$(touch pwned)"; \`touch pwned\``;
    const params = userSchema.parse({ name: "app", comment, home: "/srv/a b$(touch pwned)", password: "$6$salt$h'a\"sh" });
    const plan = userModule.decide(params, undefined, await shell.probe(userModule.probe(params, undefined, ctx)), ctx);
    if (plan.kind !== "change") throw new Error("expected a change");
    expect(await userModule.apply(params, undefined, plan, shell.context())).toEqual({ changed: true });
    expect(shell.calls().find((c) => c.tool === "usermod")?.args).toEqual([
      "-d", "/srv/a b$(touch pwned)", "-c", comment, "-p", "$6$salt$h'a\"sh", "app",
    ]);
    expect(existsSync(path.join(shell.dir, "pwned"))).toBe(false);
  });

  it("a home that exists owned by another uid is refused at plan; by root or the given uid it is kept, and said", () => {
    const home = (uid: number, type = "directory") => `#deploy:nouser alice\n#deploy:home ${uid}|UNKNOWN|700|${type}|/home/alice\n`;
    expect(decideUser({ name: "alice", shell: "/bin/bash" }, home(1500))).toEqual({
      kind: "fail",
      message: "user alice: home /home/alice already exists, owned by uid 1500 (mode 0700); the new user could not use it. Give uid: 1500 to take it over, or move it away or chown it first",
    });
    expect(decideUser({ name: "alice", uid: 1501 }, home(1500))).toMatchObject({ kind: "fail" });
    expect(decideUser({ name: "alice", uid: 1500 }, home(1500))).toMatchObject({
      kind: "change",
      summary: "create user alice (uid 1500, home /home/alice exists, owned by uid 1500, kept)",
    });
    expect(decideUser({ name: "alice", system: true }, home(0))).toMatchObject({ summary: "create user alice (system, home /home/alice exists, owned by root, kept)" });
    expect(decideUser({ name: "alice" }, home(0, "regular file"))).toEqual({ kind: "fail", message: "user alice: home /home/alice exists and is a regular file, not a directory" });
    // An existing user's home is not this check's business.
    expect(decideUser({ name: "app", shell: "/usr/sbin/nologin" }, `${APP}#deploy:home 1600|UNKNOWN|700|directory|/home/app\n`)).toEqual({ kind: "ok" });
  });

  it("create_home: false uses an existing home whoever owns it: no probe of it, no refusal (useradd -M)", async () => {
    // A service account sharing www-data's /var/www (uid 33) or given /dev/null: useradd -M does not even warn.
    const svc = { name: "svc", home: "/var/www", system: true, create_home: false };
    expect(decideUser(svc, "#deploy:nouser svc\n#deploy:home 33|www-data|755|directory|/var/www\n")).toMatchObject({
      kind: "change",
      summary: "create user svc (home /var/www, system)",
      detail: { action: "create", args: ["-d", "/var/www", "-r", "-M"] },
    });
    expect(decideUser({ ...svc, home: "/dev/null" }, "#deploy:nouser svc\n#deploy:home 0|root|666|character special file|/dev/null\n")).toMatchObject({ kind: "change" });
    shell = new StubShell({ getent, stat: 'echo "33|www-data|755|directory"' });
    const www = path.join(shell.dir, "www");
    mkdirSync(www);
    const params = userSchema.parse({ ...svc, home: www });
    expect(parseUserProbe((await shell.probe(userModule.probe(params, undefined, ctx)))!.output).home).toBeUndefined();
    expect(shell.calls().filter((c) => c.tool === "stat")).toEqual([]);
  });

  it("a home to create that is another account's is not taken over by its uid (useradd refuses a taken uid)", () => {
    expect(decideUser({ name: "svc", home: "/var/www" }, "#deploy:nouser svc\n#deploy:home 33|www-data|755|directory|/var/www\n")).toEqual({
      kind: "fail",
      message: "user svc: home /var/www already exists, owned by www-data (uid 33) (mode 0755); the new user could not use it. Give create_home: false to use it as it is, or move it away or chown it first",
    });
  });

  it("the probe finds the home useradd would use: `home`, else HOME of /etc/default/useradd + the name", async () => {
    shell = new StubShell({ getent, stat: 'echo "1500|alice|700|directory"' });
    const dir = path.join(shell.dir, "srv", "it's");
    mkdirSync(path.join(dir, "alice"), { recursive: true });
    const given = userSchema.parse({ name: "alice", home: path.join(dir, "alice") });
    expect(parseUserProbe((await shell.probe(userModule.probe(given, undefined, ctx)))!.output).home).toEqual({
      uid: 1500, owner: "alice", mode: "0700", type: "directory", path: path.join(dir, "alice"),
    });
    // The default: /home/<name>, which does not exist here (no stat call, no home).
    const plain = userSchema.parse({ name: "nosuchuser-h34" });
    shell.clearCalls();
    expect(parseUserProbe((await shell.probe(userModule.probe(plain, undefined, ctx)))!.output).home).toBeUndefined();
    expect(shell.calls().filter((c) => c.tool === "stat")).toEqual([]);
  });

  it("a uid another account has, or a group named like a new user, is a failure to come, said at plan", async () => {
    const ids = `${getent}`.replace('"passwd app")', '"passwd 1500") echo \'app:x:1500:1500::/srv/app:/bin/sh\' ;;\n  "passwd app")');
    shell = new StubShell({ getent: ids });
    const probed = async (params: Record<string, unknown>) => {
      const parsed = userSchema.parse(params);
      return userModule.decide(parsed, undefined, await shell!.probe(userModule.probe(parsed, undefined, ctx)), ctx);
    };
    expect(await probed({ name: "bob", uid: 1500, group: "docker" })).toEqual({
      kind: "blocked",
      reason: "user bob: uid 1500 is taken by user app (useradd and usermod refuse a uid in use)",
    });
    // The user's own uid is no conflict; a free one is none either.
    expect(await probed({ name: "app", uid: 1500, group: "app" })).toEqual({ kind: "ok" });
    expect(await probed({ name: "bob", uid: 1600, group: "docker" })).toMatchObject({ kind: "change", summary: "create user bob (uid 1600, group docker)" });
    // useradd would create a group `app` for a new user app: a group by that name is in the way.
    expect(decideUser({ name: "app", uid: 1501 }, "#deploy:nouser app\n#deploy:group app:x:1500:\n")).toEqual({
      kind: "blocked",
      reason: "user app: group app (gid 1500) already exists, and useradd refuses to create the user's own group over it; give group: app to make it the user's primary group",
    });
    expect(decideUser({ name: "app", group: "app" }, "#deploy:nouser app\n#deploy:group app:x:1500:\n")).toMatchObject({ kind: "change" });
    expect(decideUser({ name: "app" }, "#deploy:nouser app\n#deploy:nogroup app\n")).toMatchObject({ kind: "change", summary: "create user app" });
  });

  it("useradd's warnings on success are reported with the change", async () => {
    shell = new StubShell({ useradd: "echo 'useradd: warning: the home directory /home/alice already exists.' >&2; echo 'useradd: Not copying any file from skel directory into it.' >&2" });
    const params = userSchema.parse({ name: "alice", uid: 1500 });
    const result = await userModule.apply(params, undefined, { kind: "change", summary: "create user alice (uid 1500)", detail: { action: "create", args: ["-u", "1500", "-m"] } }, shell.context());
    expect(result).toEqual({
      changed: true,
      summary: "create user alice (uid 1500); useradd: warning: the home directory /home/alice already exists. / useradd: Not copying any file from skel directory into it.",
    });
  });

  it("useradd failures fail the task with its message", async () => {
    shell = new StubShell({ useradd: "echo \"useradd: UID 1500 is not unique\" >&2; exit 4" });
    const params = userSchema.parse({ name: "app", uid: 1500 });
    const result = await userModule.apply(params, undefined, { kind: "change", summary: "", detail: { action: "create", args: ["-u", "1500", "-m"] } }, shell.context());
    expect(result).toEqual({ changed: false, failed: "useradd failed: useradd: UID 1500 is not unique" });
  });
});

describe("group", () => {
  function decideGroup(params: Record<string, unknown>, output: string) {
    return groupModule.decide(groupSchema.parse(params), undefined, { exitCode: 0, output }, ctx);
  }

  it.each([
    [{ name: "app" }, "#deploy:nogroup app\n", { kind: "change", summary: "create group app" }],
    [{ name: "app", gid: 1500 }, "#deploy:nogroup app\n", { kind: "change", summary: "create group app (gid 1500)" }],
    [{ name: "app", system: true }, "#deploy:nogroup app\n", { kind: "change", summary: "create group app (system)" }],
    [{ name: "app" }, "#deploy:group app:x:1001:\n", { kind: "ok" }],
    [{ name: "app", gid: 1001 }, "#deploy:group app:x:1001:a,b\n", { kind: "ok" }],
    [{ name: "app", gid: 1500 }, "#deploy:group app:x:1001:\n", { kind: "change", summary: "group app: gid 1001 -> 1500" }],
    [{ name: "app", state: "absent" }, "#deploy:group app:x:1001:\n", { kind: "change", summary: "remove group app" }],
    [{ name: "app", state: "absent" }, "#deploy:nogroup app\n", { kind: "ok" }],
  ])("%j with %j", (params, output, plan) => {
    expect(decideGroup(params, output)).toMatchObject(plan);
  });

  it("a gid another group has, or removing some user's primary group, is a failure to come, said at plan", async () => {
    shell = new StubShell({
      getent: `db=$1; shift
[ $# -eq 0 ] && [ "$db" = passwd ] && { printf 'root:x:0:0::/root:/bin/sh\\napp:x:1500:1500::/srv/app:/bin/sh\\nweb:x:1501:1500::/srv/web:/bin/sh\\n'; exit 0; }
case "$db $1" in
  "group app") echo 'app:x:1500:' ;;
  "group 1500") echo 'app:x:1500:' ;;
  "group docker") echo 'docker:x:999:app' ;;
  *) exit 2 ;;
esac`,
    });
    const probed = async (params: Record<string, unknown>) => {
      const parsed = groupSchema.parse(params);
      return groupModule.decide(parsed, undefined, await shell!.probe(groupModule.probe(parsed, undefined, ctx)), ctx);
    };
    expect(await probed({ name: "svc", gid: 1500 })).toEqual({
      kind: "blocked",
      reason: "group svc: gid 1500 is taken by group app (groupadd and groupmod refuse a gid in use)",
    });
    expect(await probed({ name: "docker", gid: 1500 })).toMatchObject({ kind: "blocked", reason: expect.stringMatching(/^group docker: gid 1500 is taken by group app/) });
    expect(await probed({ name: "app", gid: 1500 })).toEqual({ kind: "ok" });
    expect(await probed({ name: "app", state: "absent" })).toEqual({
      kind: "blocked",
      reason: "group app is the primary group of users app, web (groupdel refuses): remove those users or give them another group first",
    });
    expect(await probed({ name: "docker", state: "absent" })).toMatchObject({ kind: "change", summary: "remove group docker" });
  });

  it("apply calls groupadd/groupmod/groupdel with the right words", async () => {
    shell = new StubShell({ groupadd: "exit 0", groupmod: "exit 0", groupdel: "exit 0", getent: "exit 2" });
    for (const [params, output] of [
      [{ name: "app", gid: 1500, system: true }, "#deploy:nogroup app\n"],
      [{ name: "app", gid: 1500 }, "#deploy:group app:x:1001:\n"],
      [{ name: "app", state: "absent" }, "#deploy:group app:x:1001:\n"],
    ] as const) {
      const parsed = groupSchema.parse(params);
      const plan = groupModule.decide(parsed, undefined, { exitCode: 0, output }, ctx);
      if (plan.kind !== "change") throw new Error("expected a change");
      expect(await groupModule.apply(parsed, undefined, plan, shell.context())).toEqual({ changed: true });
    }
    expect(shell.calls().map((c) => [c.tool, ...c.args])).toEqual([
      ["groupadd", "-g", "1500", "-r", "app"],
      ["groupmod", "-g", "1500", "app"],
      ["groupdel", "app"],
    ]);
    const probe = await shell.probe(groupModule.probe(groupSchema.parse({ name: "app" }), undefined, ctx));
    expect(groupModule.decide(groupSchema.parse({ name: "app" }), undefined, probe, ctx)).toMatchObject({ summary: "create group app" });
  });
});
