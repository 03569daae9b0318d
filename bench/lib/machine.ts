// One paragraph describing the machine a benchmark ran on, for the results files.
import { execFileSync } from "node:child_process";
import { cpus, release, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

function tryRun(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

export function describeMachine(): string[] {
  const os = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "unknown OS";
  const cpu = cpus();
  const ansible = tryRun("ansible-playbook", ["--version"])?.split("\n")[0];
  return [
    `${os}, kernel ${release()}`,
    `${cpu.length} CPU cores (${cpu[0]?.model.trim() ?? "unknown"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `Node ${process.version}${ansible ? `, ${ansible}` : ""}`,
    "Lab hosts: Debian 12 systemd-nspawn containers on a local bridge (deploy lab), all on this same machine",
  ];
}

/** bench/results/<name>.md: a title, when and where it ran, the printed table, and any raw data after it. */
export async function writeResults(file: string, title: string, table: string, raw: string[] = []): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const lines = [`# ${title}`, "", `Run ${new Date().toISOString()} on:`, ...describeMachine().map((l) => `- ${l}`), "", "```", table, "```", ""];
  await writeFile(file, [...lines, ...raw].join("\n"));
}
