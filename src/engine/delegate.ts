// Where a task runs: its own host, or the inventory host `delegate_to` names (with the task's host's vars),
// e.g. to drain the current host from a load balancer.
import type { Host, Vars } from "../config/model.js";
import type { Connection } from "../connection/types.js";
import type { Entry } from "./entry.js";
import type { Evaluator } from "./evaluator.js";
import { errorMessage } from "./item-outcome.js";

export interface TaskTarget {
  host: Host;
  conn: Connection;
  /** Runs on another host than the one the play runs it for. */
  delegated: boolean;
}

export interface DelegateContext {
  host: Host;
  conn: Connection;
  hosts: ReadonlyMap<string, Host>;
  evaluator: Evaluator;
  connectionOf(host: Host): Promise<Connection>;
}

export async function taskTarget(ctx: DelegateContext, entry: Entry, scope: Vars): Promise<TaskTarget> {
  if (entry.task.delegateTo === undefined) return { host: ctx.host, conn: ctx.conn, delegated: false };
  const name = ctx.evaluator.render(entry.task.delegateTo, scope, "delegate_to");
  const host = typeof name === "string" ? ctx.hosts.get(name) : undefined;
  if (!host) throw new Error(`delegate_to: no host named '${String(name)}' in the inventory`);
  if (host.name === ctx.host.name) return { host, conn: ctx.conn, delegated: false };
  try {
    return { host, conn: await ctx.connectionOf(host), delegated: true };
  } catch (error: unknown) {
    // The delegate being unreachable fails this task; it does not make this host unreachable.
    throw new Error(`delegate ${host.name}: ${errorMessage(error)}`, { cause: error });
  }
}
