// How an account logs in: its password and, on MariaDB, whether the OS user of the same name may also log
// in through the server's socket (unix_socket). Debian's MariaDB sets root up that way; a plain
// `ALTER USER ... IDENTIFIED BY` replaced it with the password alone, so root's own shell then depended on
// /root/.my.cnf holding exactly the server's password: a rotated vault password written there first
// locked every later run out. With `unix_socket OR mysql_native_password`, root on the host always gets
// in, whatever a login file says, and the password still works for everyone else.
import { isIP } from "node:net";
import { atLeast, flavourLabel, type Flavour } from "./flavour.js";
import { str } from "./sql.js";

/** Does SHOW GRANTS (MariaDB prints the account's authentication in its first line) list unix_socket? */
export function grantsAllowSocket(grantLines: ReadonlyArray<string>): boolean {
  return grantLines.some((line) => {
    // Quoted parts (account, password hash, a plugin's string) never count: only the plugin names.
    const bare = line.replace(/`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*'/g, "''");
    const via = / IDENTIFIED VIA (.*)$/.exec(bare);
    return via !== null && /(^|\bOR\s+)unix_socket\b/.test(via[1]!);
  });
}

/** Why this server cannot combine socket login with a password, or undefined when it can. */
export function socketUnsupported(flavour: Flavour): string | undefined {
  if (flavour.name === "mariadb" && atLeast(flavour, 10, 4)) return undefined;
  return `unix_socket: true needs MariaDB 10.4 or later (IDENTIFIED VIA unix_socket OR mysql_native_password); this is ${flavourLabel(flavour)}`;
}

export interface AuthWanted {
  /** The password to set (undefined: keep the stored hash, if any). */
  password: string | undefined;
  /** The stored mysql_native_password hash, kept when no password is set. */
  storedHash: string;
  socket: boolean;
}

/** The IDENTIFIED clause (with a leading space); the only place a password enters account SQL. */
export function identifiedClause(auth: AuthWanted): string {
  if (!auth.socket) return auth.password !== undefined ? ` IDENTIFIED BY ${str(auth.password)}` : "";
  const native =
    auth.password !== undefined
      ? ` OR mysql_native_password USING PASSWORD(${str(auth.password)})`
      : auth.storedHash.startsWith("*")
        ? ` OR mysql_native_password USING ${str(auth.storedHash)}`
        : "";
  return ` IDENTIFIED VIA unix_socket${native}`;
}

/**
 * Hosts of the accounts a prune may drop: literal IP addresses (what a role creates from an inventory's
 * addresses; the server resolves no names under skip-name-resolve) that are not kept. 'localhost', '%',
 * patterns ('10.0.0.%'), netmasks and names are never dropped.
 */
export function staleHosts(hosts: ReadonlyArray<string>, keep: ReadonlyArray<string>): string[] {
  const kept = new Set(keep.map((h) => h.toLowerCase()));
  return hosts.filter((h) => isIP(h) !== 0 && !kept.has(h.toLowerCase())).sort();
}
