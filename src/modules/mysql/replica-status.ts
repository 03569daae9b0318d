// SHOW REPLICA STATUS / SHOW SLAVE STATUS in one shape for both flavours. MariaDB (all versions) and MySQL
// before 8.0.22 name the columns Slave_* / Master_*; MySQL 8.0.22+ says Replica_* / Source_*.
import type { Vars } from "../../config/model.js";

export interface ReplicaStatus {
  /** "Yes" | "No" | "Connecting" */
  ioRunning: string;
  sqlRunning: string;
  primaryHost: string;
  primaryPort: number;
  primaryUser: string;
  /** MariaDB Using_Gtid = Slave_Pos / Current_Pos; MySQL Auto_Position = 1. */
  usesGtid: boolean;
  lastIoError: string;
  /** 0 when the IO thread has no error. */
  lastIoErrno: number;
  lastSqlError: string;
  /** 0 when the SQL thread has no error. */
  lastSqlErrno: number;
  /** null while a thread is not running. */
  secondsBehind: number | null;
  /** MariaDB Gtid_IO_Pos; MySQL Executed_Gtid_Set. */
  gtidPosition: string;
  ioState: string;
  /** What the SQL thread is doing ("Slave has read all relay log; waiting for more updates"). */
  sqlState: string;
  /** GTIDs the IO thread has received: MariaDB Gtid_IO_Pos; MySQL Retrieved_Gtid_Set. */
  receivedGtids: string;
  /**
   * GTIDs the SQL thread has applied: MySQL Executed_Gtid_Set; MariaDB @@gtid_slave_pos, which its status
   * does not show (statusScript prints it as `#deploy:gtid-applied`; "" where nothing printed it).
   */
  appliedGtids: string;
}

function pick(row: Record<string, string>, ...names: string[]): string {
  for (const name of names) {
    const value = row[name];
    if (value !== undefined) return value;
  }
  return "";
}

const oneLine = (gtids: string) => gtids.replace(/\n/g, "");

/** `mariadbApplied`: @@gtid_slave_pos, when it was read along with the status. */
export function parseReplicaStatus(row: Record<string, string>, mariadbApplied = ""): ReplicaStatus {
  const usingGtid = pick(row, "Using_Gtid");
  const behind = pick(row, "Seconds_Behind_Source", "Seconds_Behind_Master");
  const mariadb = row["Gtid_IO_Pos"] !== undefined;
  return {
    ioRunning: pick(row, "Replica_IO_Running", "Slave_IO_Running"),
    sqlRunning: pick(row, "Replica_SQL_Running", "Slave_SQL_Running"),
    primaryHost: pick(row, "Source_Host", "Master_Host"),
    primaryPort: Number(pick(row, "Source_Port", "Master_Port")) || 0,
    primaryUser: pick(row, "Source_User", "Master_User"),
    usesGtid: usingGtid !== "" ? usingGtid !== "No" : pick(row, "Auto_Position") === "1",
    lastIoError: pick(row, "Last_IO_Error"),
    lastIoErrno: Number(pick(row, "Last_IO_Errno")) || 0,
    lastSqlError: pick(row, "Last_SQL_Error"),
    lastSqlErrno: Number(pick(row, "Last_SQL_Errno")) || 0,
    secondsBehind: behind === "" || behind === "NULL" ? null : Number(behind),
    gtidPosition: oneLine(pick(row, "Gtid_IO_Pos", "Executed_Gtid_Set")),
    ioState: pick(row, "Replica_IO_State", "Slave_IO_State"),
    sqlState: pick(row, "Replica_SQL_Running_State", "Slave_SQL_Running_State"),
    receivedGtids: oneLine(pick(row, "Gtid_IO_Pos", "Retrieved_Gtid_Set")),
    appliedGtids: mariadb ? oneLine(mariadbApplied) : oneLine(pick(row, "Executed_Gtid_Set")),
  };
}

export function isRunning(status: ReplicaStatus): boolean {
  return status.ioRunning === "Yes" && status.sqlRunning === "Yes";
}

/** The status as `register` sees it (snake_case, the user's words: primary, not master/source). */
export function statusVars(status: ReplicaStatus | undefined): Vars {
  if (!status) return { configured: false, running: false };
  return {
    configured: true,
    running: isRunning(status),
    io_running: status.ioRunning,
    sql_running: status.sqlRunning,
    primary_host: status.primaryHost,
    primary_port: status.primaryPort,
    primary_user: status.primaryUser,
    uses_gtid: status.usesGtid,
    gtid_position: status.gtidPosition,
    seconds_behind: status.secondsBehind,
    last_io_error: status.lastIoError,
    last_sql_error: status.lastSqlError,
    io_state: status.ioState,
  };
}

/** "IO thread No, SQL thread Yes (last IO error: ...)" */
export function describeThreads(status: ReplicaStatus): string {
  const errors = [
    status.lastIoError ? `last IO error: ${status.lastIoError}` : "",
    status.lastSqlError ? `last SQL error: ${status.lastSqlError}` : "",
  ].filter((e) => e !== "");
  return `IO thread ${status.ioRunning || "?"}, SQL thread ${status.sqlRunning || "?"}${errors.length ? ` (${errors.join("; ")})` : ""}`;
}
