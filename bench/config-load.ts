// Benchmark (not a test): generate a 10,000-host, 50-group inventory with a playbook and a role, then time
// loading + validating it (everything `deploy validate` does). Prints the median of several runs.
// Run: npm run bench:config
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadInventory } from "../src/config/inventory.js";
import { matchHosts } from "../src/config/patterns.js";
import { loadProject } from "../src/config/project.js";
import { hostVars } from "../src/config/vars.js";

const HOSTS = 10_000;
const LEAF_GROUPS = 40;
const PARENT_GROUPS = 10;
const RUNS = 5;

function write(dir: string, rel: string, text: string): void {
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function generate(dir: string): void {
  const lines: string[] = ["settings: { connect_timeout: 5 }", "vars:", "  app_port: 3000", "  env: bench", "hosts:"];
  for (let i = 0; i < HOSTS; i++) {
    lines.push(`  h${String(i).padStart(5, "0")}:`, `    address: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, "    user: deploy", "    become: true");
    if (i % 10 === 0) lines.push(`    vars: { weight: ${i % 7}, rack: r${i % 20} }`);
  }
  lines.push("groups:");
  const perLeaf = HOSTS / LEAF_GROUPS;
  for (let g = 0; g < LEAF_GROUPS; g++) {
    const members = Array.from({ length: perLeaf }, (_, k) => `h${String(g * perLeaf + k).padStart(5, "0")}`);
    lines.push(`  leaf${g}:`, `    vars: { leaf_id: ${g} }`, "    hosts:", ...members.map((m) => `      - ${m}`));
  }
  for (let p = 0; p < PARENT_GROUPS; p++) {
    const children = Array.from({ length: LEAF_GROUPS / PARENT_GROUPS }, (_, k) => `leaf${p * (LEAF_GROUPS / PARENT_GROUPS) + k}`);
    lines.push(`  region${p}: { children: [${children.join(", ")}], vars: { region: r${p} } }`);
  }
  write(dir, "inventory/big.yaml", lines.join("\n") + "\n");
  write(
    dir,
    "roles/base/tasks/main.yaml",
    `- name: Packages
  package: { name: [curl, ca-certificates] }
- name: Config dir
  file: { path: /etc/app, state: directory, mode: "0755" }
- name: Config
  template: { src: app.conf.ejs, dest: /etc/app/app.conf, mode: "0644" }
  notify: restart app
- name: Service
  service: { name: app, state: started, enabled: true }
`,
  );
  write(dir, "roles/base/handlers/main.yaml", "- name: restart app\n  service: { name: app, state: restarted }\n");
  write(dir, "roles/base/defaults/main.yaml", "log_level: info\n");
  write(dir, "roles/base/templates/app.conf.ejs", "port=<%- app_port %>\nregion=<%- region %>\n");
  const plays = Array.from({ length: PARENT_GROUPS }, (_, p) => `- name: Region ${p}\n  hosts: region${p}:!h00000\n  serial: "25%"\n  roles: [base]\n`);
  write(dir, "playbooks/site.yaml", plays.join(""));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "deploy-bench-config-"));
  try {
    generate(dir);
    const inventoryFile = path.join(dir, "inventory/big.yaml");
    const inventoryTimes: number[] = [];
    const projectTimes: number[] = [];
    let hostsLoaded = 0;
    let groupsLoaded = 0;
    let matched = 0;
    for (let run = 0; run < RUNS; run++) {
      let t = performance.now();
      const inventory = await loadInventory(inventoryFile, { env: {} });
      inventoryTimes.push(performance.now() - t);
      t = performance.now();
      const project = await loadProject({ cwd: dir, inventoryFile, env: {} });
      // What the engine does next for every host: resolve play patterns and each host's vars.
      matched = 0;
      for (const play of project.playbook.plays) {
        const hosts = matchHosts(play.hosts, project.inventory);
        matched += hosts.length;
        for (const h of hosts) hostVars(project, h, play, play.roles[0]);
      }
      projectTimes.push(performance.now() - t);
      hostsLoaded = inventory.hosts.size;
      groupsLoaded = inventory.groups.size;
    }
    const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
    console.log(`config-load: ${hostsLoaded} hosts, ${groupsLoaded} groups, ${matched} host-plays; ${RUNS} runs`);
    console.log(`  loadInventory                         median ${fmt(median(inventoryTimes))} (min ${fmt(Math.min(...inventoryTimes))}, max ${fmt(Math.max(...inventoryTimes))})`);
    console.log(`  loadProject + patterns + host vars    median ${fmt(median(projectTimes))} (min ${fmt(Math.min(...projectTimes))}, max ${fmt(Math.max(...projectTimes))})`);
    console.log(`  target: under 1000 ms -> ${median(projectTimes) < 1000 ? "met" : "MISSED"}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
