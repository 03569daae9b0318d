// Has a replica applied a set of transactions? Each flavour writes GTIDs its own way:
//   MariaDB: a position, one `domain-server-seq` per replication domain ("0-13-22,1-14-7"); sequence numbers
//            grow within a domain, so a domain is reached when its applied seq is at least the wanted one
//            (as MASTER_GTID_WAIT() decides).
//   MySQL:   a set, `uuid:interval[:interval...]` per source ("3e11...:1-5:7,9a4b...:1-2"), 8.3+ with
//            `uuid:tag:interval` groups; reached when every wanted interval lies inside an applied one (the
//            server prints its sets with adjacent intervals merged).
import type { FlavourName } from "./flavour.js";

/** MariaDB position -> seq_no per domain; undefined when it is not one. */
export function parseMariadbPosition(text: string): Map<string, bigint> | undefined {
  const domains = new Map<string, bigint>();
  for (const part of splitList(text)) {
    const m = /^(\d+)-\d+-(\d+)$/.exec(part);
    if (!m) return undefined;
    domains.set(m[1]!, BigInt(m[2]!));
  }
  return domains;
}

/** MySQL GTID set -> intervals per `uuid` (or `uuid:tag`); undefined when it is not one. */
export function parseMysqlGtidSet(text: string): Map<string, Array<[bigint, bigint]>> | undefined {
  const set = new Map<string, Array<[bigint, bigint]>>();
  for (const part of splitList(text)) {
    const [uuid, ...rest] = part.split(":");
    if (!uuid || !/^[0-9a-f-]{32,36}$/i.test(uuid) || rest.length === 0) return undefined;
    let key = uuid.toLowerCase();
    for (const token of rest) {
      const interval = /^(\d+)(?:-(\d+))?$/.exec(token);
      if (interval) {
        const first = BigInt(interval[1]!);
        const intervals = set.get(key) ?? [];
        intervals.push([first, interval[2] === undefined ? first : BigInt(interval[2])]);
        set.set(key, intervals);
      } else if (/^[a-z_][a-z0-9_]{0,31}$/i.test(token)) {
        key = `${uuid.toLowerCase()}:${token.toLowerCase()}`;
      } else {
        return undefined;
      }
    }
  }
  return set;
}

/** Has `applied` reached every transaction of `wanted`? undefined when either is not a GTID list this understands. */
export function gtidsReached(flavour: FlavourName, applied: string, wanted: string): boolean | undefined {
  if (flavour === "mariadb") {
    const have = parseMariadbPosition(applied);
    const want = parseMariadbPosition(wanted);
    if (!have || !want) return undefined;
    return [...want].every(([domain, seq]) => (have.get(domain) ?? -1n) >= seq);
  }
  const have = parseMysqlGtidSet(applied);
  const want = parseMysqlGtidSet(wanted);
  if (!have || !want) return undefined;
  return [...want].every(([key, intervals]) =>
    intervals.every(([first, last]) => (have.get(key) ?? []).some(([from, to]) => from <= first && last <= to)),
  );
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
