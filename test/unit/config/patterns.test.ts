import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/config/inventory.js";
import type { Inventory } from "../../../src/config/model.js";
import { PatternError, matchHosts, resolvePattern } from "../../../src/config/patterns.js";
import { loadProject } from "../../../src/config/project.js";
import { problemLines, tempProject } from "./temp-project.js";

let inventory: Inventory;

beforeAll(async () => {
  // Hosts deliberately not in alphabetical order: results must follow the inventory.
  const dir = tempProject({
    "inventory/i.yaml": `hosts:
  web-02: { address: 10.0.0.12 }
  web-01: { address: 10.0.0.11 }
  db-01: { address: 10.0.0.21 }
  cache-01: { address: 10.0.0.31 }
groups:
  loadbalancer: { hosts: [web-01] }
  app: { hosts: [web-01, web-02] }
  db_primary: { hosts: [db-01] }
  db_replica: { hosts: [web-02] }
  db: { children: [db_primary, db_replica] }
`,
  });
  inventory = await loadInventory(path.join(dir, "inventory/i.yaml"));
});

describe("matchHosts", () => {
  it.each([
    ["all", ["web-02", "web-01", "db-01", "cache-01"]],
    ["app", ["web-02", "web-01"]],
    ["db", ["web-02", "db-01"]],
    ["web-01", ["web-01"]],
    ["app:db", ["web-02", "web-01", "db-01"]],
    ["app,db", ["web-02", "web-01", "db-01"]],
    ["app:!web-02", ["web-01"]],
    ["app:&db", ["web-02"]],
    ["web-*", ["web-02", "web-01"]],
    ["db*", ["web-02", "db-01"]],
    ["!db", ["web-01", "cache-01"]],
    ["all:!app:!db", ["cache-01"]],
    ["web-0?", ["web-02", "web-01"]],
  ])("%s -> %j", (pattern, expected) => {
    expect(matchHosts(pattern, inventory)).toEqual(expected);
  });

  it("rejects a typo with a did-you-mean hint", () => {
    expect(() => matchHosts("ap", inventory)).toThrow(PatternError);
    expect(() => matchHosts("ap", inventory)).toThrow("host pattern 'ap': `ap` is not a host or group of the inventory, did you mean `app`?");
    expect(resolvePattern("app:!web-03", inventory).problems).toEqual(["`web-03` is not a host or group of the inventory, did you mean `web-02`?"]);
  });

  it("rejects a glob that matches nothing and an empty pattern", () => {
    expect(resolvePattern("mail-*", inventory).problems).toEqual(["`mail-*` matches no host or group"]);
    expect(resolvePattern(" : ", inventory).problems).toEqual(["is empty"]);
  });

  it("is fast on 10,000 hosts (one index, linear passes)", async () => {
    const hosts = Array.from({ length: 10_000 }, (_, i) => `  h${i}: { address: 10.1.${i >> 8}.${i & 255} }`).join("\n");
    const groups = Array.from({ length: 50 }, (_, g) => `  g${g}: { hosts: [${Array.from({ length: 200 }, (_, k) => `h${g * 200 + k}`).join(", ")}] }`).join("\n");
    const dir = tempProject({ "inventory/i.yaml": `hosts:\n${hosts}\ngroups:\n${groups}\n` });
    const big = await loadInventory(path.join(dir, "inventory/i.yaml"));
    const started = performance.now();
    for (let i = 0; i < 50; i++) matchHosts(`g${i}:g${(i + 1) % 50}:!h${i * 200}`, big);
    expect(matchHosts("g3:&g3:!h600", big)).toHaveLength(199);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

// A play's `hosts: web[0]` got "`web[0]` is not a host or group" (and `web[0:2]` two unknown names, `web[0`
// and `2]`); --limit already said what to write instead. Both now say it, from one table.
describe("Ansible's pattern forms in a play's hosts", () => {
  const SUBSCRIPT = "subscripts (`web[0]`, `web[0:2]`) are not supported: name the hosts (`web-01,web-02`) or use a glob (`web-0*`)";
  const REGEX = "regular expressions (`~web.*`) are not supported: use a glob (`web-*`) or a list (`web-01,web-02`)";

  it("subscripts, regular expressions and retry files get the deploy way, once per play", async () => {
    const plays = ["web[0]", "web[0:2]", "app:!web[-1]", "~web-0[12]", "app:&~db.*", "@site.retry"];
    const dir = tempProject({
      "inventory/i.yaml": "hosts:\n  web-01: { address: 10.0.0.11 }\n  web-02: { address: 10.0.0.12 }\ngroups:\n  web: { hosts: [web-01, web-02] }\n",
      "playbooks/site.yaml": plays.map((p) => `- hosts: "${p}"\n  tasks: []\n`).join(""),
    });
    expect(await problemLines(dir, () => loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" }))).toEqual([
      `playbooks/site.yaml:1:10: [0].hosts: ${SUBSCRIPT}`,
      `playbooks/site.yaml:3:10: [1].hosts: ${SUBSCRIPT}`,
      `playbooks/site.yaml:5:10: [2].hosts: ${SUBSCRIPT}`,
      `playbooks/site.yaml:7:10: [3].hosts: ${REGEX}`,
      `playbooks/site.yaml:9:10: [4].hosts: ${REGEX}`,
      "playbooks/site.yaml:11:10: [5].hosts: deploy writes no retry files (`@site.retry`): name the hosts (`web-01,web-02`)",
    ]);
  });

  it("deploy's own forms, Ansible's too, still resolve", () => {
    expect(matchHosts("app:!web-02", inventory)).toEqual(["web-01"]);
    expect(matchHosts("app:&db", inventory)).toEqual(["web-02"]);
    expect(matchHosts("web-0*,db_primary", inventory)).toEqual(["web-02", "web-01", "db-01"]);
    expect(matchHosts("all:!db", inventory)).toEqual(["web-01", "cache-01"]);
  });

  it("--limit's message is the same hint (ping's included)", () => {
    expect(() => matchHosts("web[0]", inventory)).toThrow(`host pattern 'web[0]': ${SUBSCRIPT}`);
  });
});
