// Gathering: all facts in ONE exec, one script printing a delimited section per fact.
import type { Connection } from "../connection/types.js";
import { raw, type Script } from "../util/shell.js";
import { FACTS, type FactTable } from "./definitions.js";
import type { Facts } from "./types.js";

/** Starts each section; fact output never begins with it. */
export const SECTION_MARK = "@@deploy-fact ";

export function factsScript(table: FactTable = FACTS): Script {
  const parts = Object.entries(table).map(
    // A group, not a subshell: one process fewer per fact (no fact command exits or sets options).
    ([name, fact]) => `printf '%s\\n' '${SECTION_MARK}${name}'\n{ ${fact.command}; } 2>/dev/null`,
  );
  return raw(parts.join("\n"));
}

/** Section name -> its text, from the script's stdout. */
export function splitSections(stdout: string): Map<string, string> {
  const sections = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  const flush = (): void => {
    if (name !== undefined) sections.set(name, lines.join("\n"));
  };
  for (const line of stdout.split("\n")) {
    if (line.startsWith(SECTION_MARK)) {
      flush();
      name = line.slice(SECTION_MARK.length).trim();
      lines = [];
    } else lines.push(line);
  }
  flush();
  return sections;
}

export function parseFacts(stdout: string, table: FactTable = FACTS): Facts {
  const sections = splitSections(stdout);
  const read = <K extends keyof Facts>(key: K): Facts[K] => table[key].parse(sections.get(key) ?? "");
  return {
    os: read("os"),
    arch: read("arch"),
    init: read("init"),
    packageManager: read("packageManager"),
    hostname: read("hostname"),
    addresses: read("addresses"),
    memoryMb: read("memoryMb"),
    cpus: read("cpus"),
    sshClient: read("sshClient"),
    pendingHandlers: read("pendingHandlers"),
  };
}

/** Facts never need privileges: they run as the login user, whatever the host's become says. */
export async function gatherFacts(conn: Connection): Promise<Facts> {
  const result = await conn.exec(factsScript(), { become: false });
  return parseFacts(result.stdout);
}
