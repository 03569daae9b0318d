// Every module the engine knows, by the name tasks use. One import and one entry per module file.
import type { Module } from "./types.js";
import { commandModule } from "./command.js";
import { copyModule } from "./copy.js";
import { fileModule } from "./file.js";
import { groupModule } from "./group.js";
import { lineinfileModule } from "./lineinfile.js";
import { mysqlDbModule } from "./mysql_db.js";
import { mysqlReplicationModule } from "./mysql_replication.js";
import { mysqlUserModule } from "./mysql_user.js";
import { packageModule } from "./package.js";
import { serviceModule } from "./service.js";
import { shellModule } from "./shell.js";
import { sysctlModule } from "./sysctl.js";
import { templateModule } from "./template.js";
import { userModule } from "./user.js";
import { waitForModule } from "./wait_for.js";

// Modules are heterogeneous in their parameter types; the registry erases them, the schema restores them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModule = Module<any, any>;

const modules: AnyModule[] = [
  packageModule,
  serviceModule,
  userModule,
  groupModule,
  sysctlModule,
  commandModule,
  shellModule,
  waitForModule,
  fileModule,
  copyModule,
  templateModule,
  lineinfileModule,
  mysqlDbModule,
  mysqlUserModule,
  mysqlReplicationModule,
];

const byName = new Map<string, AnyModule>(modules.map((m) => [m.name, m]));

export function getModule(name: string): AnyModule | undefined {
  return byName.get(name);
}

export function moduleNames(): string[] {
  return [...byName.keys()].sort();
}
