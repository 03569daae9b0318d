// Which server a host runs, from `SELECT VERSION()`: MariaDB says so in its version string
// ("10.11.6-MariaDB-0+deb12u1"); MySQL does not ("8.0.36-0ubuntu0.22.04.1"). The statements that differ
// between them (replication, dump options, privilege aliases) are chosen from this, never guessed.

export type FlavourName = "mariadb" | "mysql";

export interface Flavour {
  name: FlavourName;
  /** [major, minor, patch] */
  version: [number, number, number];
  /** The server's own version string. */
  text: string;
}

export function parseFlavour(versionText: string): Flavour | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(versionText.trim());
  if (!m) return undefined;
  const version: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // MariaDB 5.5-era builds for replication prefixed "5.5.5-" to the real version.
  const name: FlavourName = /mariadb/i.test(versionText) ? "mariadb" : "mysql";
  return { name, version, text: versionText.trim() };
}

/** version >= [major, minor, patch] */
export function atLeast(flavour: Flavour, major: number, minor = 0, patch = 0): boolean {
  const [a, b, c] = flavour.version;
  if (a !== major) return a > major;
  if (b !== minor) return b > minor;
  return c >= patch;
}

/** "MariaDB 10.11.6" / "MySQL 8.0.36", for messages. */
export function flavourLabel(flavour: Flavour): string {
  return `${flavour.name === "mariadb" ? "MariaDB" : "MySQL"} ${flavour.version.join(".")}`;
}

/** Replication statements in the flavour's own words. */
export interface ReplicationSyntax {
  stop: string;
  start: string;
  /** Forget the replica configuration entirely. */
  resetAll: string;
}

export function replicationSyntax(flavour: Flavour): ReplicationSyntax {
  // REPLICA keywords: MariaDB 10.5.1+, MySQL 8.0.22+; the older SLAVE words elsewhere (MySQL 8.4 dropped them).
  const replica = flavour.name === "mariadb" ? atLeast(flavour, 10, 5, 1) : atLeast(flavour, 8, 0, 22);
  const word = replica ? "REPLICA" : "SLAVE";
  return { stop: `STOP ${word};`, start: `START ${word};`, resetAll: `RESET ${word} ALL;` };
}
