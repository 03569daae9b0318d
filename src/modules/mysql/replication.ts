// Replication statements and scripts in each flavour's syntax, all GTID based:
//   MariaDB: CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos; dump with --gtid --master-data=1, which sets
//            gtid_slave_pos to the dump's position.
//   MySQL 8: CHANGE REPLICATION SOURCE TO ... SOURCE_AUTO_POSITION=1 (8.0.23+; CHANGE MASTER ... before);
//            dump with --set-gtid-purged=ON, which sets gtid_purged (the replica's binary log is reset first).
//
// Seeding: the REPLICA connects to the primary over the network with the replication account and pulls a
// consistent dump (--single-transaction) of the primary's own databases, piped straight into its server.
// That account therefore needs, besides REPLICATION SLAVE, what the dump needs:
//   *.*:REPLICATION SLAVE,REPLICATION CLIENT,SELECT,RELOAD,SHOW VIEW,TRIGGER,EVENT
// (REPLICATION SLAVE alone already lets it read every change from the binary log, so SELECT does not widen
// what it can see). The password reaches the dump tool through a root-only temp option file written from
// stdin and removed on exit. That file is the ONLY option file read for the primary (--defaults-file):
// with --defaults-extra-file, root's ~/.my.cnf (read after it) would replace its user and password.
// The restore is kept out of the replica's own binary log.
import { quote, raw, type Script } from "../../util/shell.js";
import { clientPrelude, type LoginParams } from "./client.js";
import { atLeast, replicationSyntax, type Flavour } from "./flavour.js";
import { str } from "./sql.js";

export interface PrimaryTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Seconds between the replica's connection attempts. */
  connectRetry: number;
}

export function changePrimaryStatement(flavour: Flavour, target: PrimaryTarget): string {
  const { host, port, user, password, connectRetry } = target;
  if (flavour.name === "mariadb") {
    return (
      `CHANGE MASTER TO MASTER_HOST = ${str(host)}, MASTER_PORT = ${port}, MASTER_USER = ${str(user)}, ` +
      `MASTER_PASSWORD = ${str(password)}, MASTER_CONNECT_RETRY = ${connectRetry}, MASTER_USE_GTID = slave_pos;`
    );
  }
  if (atLeast(flavour, 8, 0, 23)) {
    return (
      `CHANGE REPLICATION SOURCE TO SOURCE_HOST = ${str(host)}, SOURCE_PORT = ${port}, SOURCE_USER = ${str(user)}, ` +
      `SOURCE_PASSWORD = ${str(password)}, SOURCE_CONNECT_RETRY = ${connectRetry}, SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1;`
    );
  }
  // GET_MASTER_PUBLIC_KEY: caching_sha2_password over a connection without TLS needs the server's key.
  return (
    `CHANGE MASTER TO MASTER_HOST = ${str(host)}, MASTER_PORT = ${port}, MASTER_USER = ${str(user)}, ` +
    `MASTER_PASSWORD = ${str(password)}, MASTER_CONNECT_RETRY = ${connectRetry}, MASTER_AUTO_POSITION = 1, GET_MASTER_PUBLIC_KEY = 1;`
  );
}

/** Stop, point at the primary, start: what both "set up" and "re-point" send (on stdin: it holds the password). */
export function pointAtPrimaryStatements(flavour: Flavour, target: PrimaryTarget): string[] {
  const syntax = replicationSyntax(flavour);
  return [syntax.stop, changePrimaryStatement(flavour, target), syntax.start];
}

export function showStatusStatement(flavour: Flavour): string {
  return replicationSyntax(flavour).start.startsWith("START REPLICA") ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS";
}

/**
 * Script printing the replica status between #deploy:status-begin/-end, with column names. `applied`: on
 * MariaDB also `#deploy:gtid-applied <@@gtid_slave_pos>`, the applied position its status does not show (one
 * more client run, so only when it is needed).
 */
export function statusScript(login: LoginParams, flavour?: Flavour, applied = false): Script {
  const show = flavour
    ? `db --batch -e ${quote(showStatusStatement(flavour))}`
    : `{ db --batch -e 'SHOW REPLICA STATUS' || db --batch -e 'SHOW SLAVE STATUS'; }`;
  const position =
    applied && flavour?.name === "mariadb" ? [`db --batch --skip-column-names -e ${quote("SELECT '#deploy:gtid-applied', @@GLOBAL.gtid_slave_pos")} 2>&1`] : [];
  return raw([clientPrelude(login), "echo '#deploy:status-begin'", `${show} 2>&1`, "echo '#deploy:status-end'", ...position].join("\n"));
}

export function dumpOptions(flavour: Flavour): string[] {
  const common = ["--single-transaction", "--routines", "--events", "--triggers"];
  if (flavour.name === "mariadb") return [...common, "--gtid", "--master-data=1"];
  // The position travels as SET @@GLOBAL.gtid_purged; the file/offset only as a comment.
  return [...common, "--set-gtid-purged=ON", atLeast(flavour, 8, 0, 26) ? "--source-data=2" : "--master-data=2"];
}

const SYSTEM_DATABASES = ["mysql", "information_schema", "performance_schema", "sys"];

/** Forget the replica's own GTID history so the dump's gtid_purged can be set (MySQL). */
function resetBinlog(flavour: Flavour): string {
  return atLeast(flavour, 8, 4) ? "RESET BINARY LOGS AND GTIDS" : "RESET MASTER";
}

/**
 * Seed this (not yet replicating) server from the primary. Stdin: the primary's client option file.
 * Prints `#deploy:seeded <number of databases copied>`. With no databases on the primary, only its
 * current GTID position is taken, so replication starts from now rather than replaying its history.
 */
export function seedScript(login: LoginParams, flavour: Flavour): Script {
  const list = `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (${SYSTEM_DATABASES.map(str).join(", ")}) ORDER BY SCHEMA_NAME`;
  const primary = `"$c" --defaults-file="$f" --connect-timeout=10 --batch --raw --skip-column-names`;
  const mariadb = flavour.name === "mariadb";
  const positionOnly = mariadb
    ? [
        `pos=$(${primary} -e 'SELECT @@GLOBAL.gtid_binlog_pos') || exit 1`,
        `case $pos in *[!0-9,-]*) echo "unexpected GTID position from the primary: $pos" >&2; exit 1 ;; esac`,
        `db --batch -e "SET GLOBAL gtid_slave_pos = '$pos'" || exit 1`,
      ]
    : [
        `pos=$(${primary} -e 'SELECT @@GLOBAL.gtid_executed' | tr -d '\\n') || exit 1`,
        `case $pos in *[!0-9a-fA-F:,-]*) echo "unexpected GTID set from the primary: $pos" >&2; exit 1 ;; esac`,
        `db --batch -e ${quote(resetBinlog(flavour))} || exit 1`,
        `db --batch -e "SET GLOBAL gtid_purged = '$pos'" || exit 1`,
      ];
  return raw(
    [
      clientPrelude(login),
      `umask 077`,
      `f=$(mktemp) && st=$(mktemp) || exit 1`,
      `trap 'rm -f "$f" "$st"' EXIT`,
      `cat > "$f"`,
      `dump=$(command -v mariadb-dump || command -v mysqldump) || { echo 'no mariadb-dump or mysqldump on the host' >&2; exit 1; }`,
      `dbs=$(${primary} -e ${quote(list)}) || { echo 'cannot list the databases of the primary' >&2; exit 1; }`,
      `set --`,
      `while IFS= read -r n; do [ -n "$n" ] && set -- "$@" "$n"; done <<DEPLOY_DBS_END`,
      `$dbs`,
      `DEPLOY_DBS_END`,
      `if [ "$#" -eq 0 ]; then`,
      ...positionOnly.map((l) => `  ${l}`),
      `  printf '#deploy:seeded\\t0\\n'`,
      `  exit 0`,
      `fi`,
      ...(mariadb ? [] : [`db --batch -e ${quote(resetBinlog(flavour))} || exit 1`]),
      `{`,
      ...(mariadb ? [`  echo 'SET SESSION sql_log_bin = 0;'`] : []),
      `  "$dump" --defaults-file="$f" ${dumpOptions(flavour).join(" ")} --databases "$@" || echo failed > "$st"`,
      `} | db --batch`,
      `rc=$?`,
      `if [ -s "$st" ]; then echo 'the dump of the primary failed' >&2; exit 1; fi`,
      `[ "$rc" -eq 0 ] || exit "$rc"`,
      `printf '#deploy:seeded\\t%s\\n' "$#"`,
    ].join("\n"),
  );
}
