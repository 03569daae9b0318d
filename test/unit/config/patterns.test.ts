import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/config/inventory.js";
import type { Inventory } from "../../../src/config/model.js";
import { PatternError, matchHosts, resolvePattern } from "../../../src/config/patterns.js";
import { tempProject } from "./temp-project.js";

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
