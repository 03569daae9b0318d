// The record of handlers an apply notified on a host and never ran to success: how a handler is named in
// it across runs, its text, and the command that writes it. Without it a run that ends between a change
// and its handler's flush loses the handler: the next apply finds the file already right, notifies
// nothing, and the service keeps its old config while deploy reports the host converged.
import path from "node:path";
import type { Play, Project } from "../config/model.js";
import { PENDING_HANDLERS_FILE } from "../facts/definitions.js";
import type { PendingHandler } from "../facts/types.js";
import { sh, type Script } from "../util/shell.js";
import type { PlannedHandler } from "./task-list.js";

/**
 * A handler's identity across runs. A role's handler is its role and name: what the role wrote is the
 * role's to reload, whichever play (or playbook) includes the role next, and a role often appears in
 * several plays. A play's own handler exists only in its play: the playbook (relative to the project, so
 * another checkout of it is the same) and the play's name (the user's word for it; an index would point
 * at another play once one is added above it).
 */
export function handlerIdentity(planned: PlannedHandler, play: Play, project: Project): PendingHandler {
  const handler = planned.handler.name;
  if (planned.role) return { handler, role: planned.role.name };
  return { handler, playbook: playbookPath(project), play: play.name };
}

/** One string per identity, for sets and maps. */
export function identityKey(h: PendingHandler): string {
  return JSON.stringify([h.role ?? null, h.playbook ?? null, h.play ?? null, h.handler]);
}

/** How the output names a recorded handler. */
export function describeHandler(h: PendingHandler): string {
  return h.role !== undefined ? `'${h.handler}' of role ${h.role}` : `'${h.handler}' of play '${h.play}' (${h.playbook})`;
}

/**
 * Whether the project shows the handler is gone. Only what this run loaded can tell: a role no play of this
 * playbook uses, or a play of another playbook, may still have it, so such a record stays.
 */
export function handlerGone(h: PendingHandler, project: Project): boolean {
  if (h.role !== undefined) {
    const role = project.roles.get(h.role);
    return role !== undefined && !role.handlers.some((x) => x.name === h.handler);
  }
  if (h.playbook !== playbookPath(project)) return false;
  return !project.playbook.plays.some((p) => p.name === h.play && p.handlers.some((x) => x.name === h.handler));
}

/** The file's text (read back by facts/parsers.ts parsePendingHandlers): one JSON object per line. */
export function formatRecord(handlers: readonly PendingHandler[]): string {
  return handlers
    .map((h) => JSON.stringify(h.role !== undefined ? { handler: h.handler, role: h.role } : { handler: h.handler, playbook: h.playbook, play: h.play }))
    .map((line) => `${line}\n`)
    .join("");
}

/**
 * One command: the new record (root's, 0644 so facts read it as the login user) renamed over the old one,
 * so a run stopped halfway leaves the old record or the new, never half of one; no handler left: removed.
 */
export function writeRecordScript(handlers: readonly PendingHandler[]): Script {
  if (handlers.length === 0) return sh`rm -f ${PENDING_HANDLERS_FILE}`;
  const dir = path.posix.dirname(PENDING_HANDLERS_FILE);
  const temp = `${PENDING_HANDLERS_FILE}.new`;
  return sh`umask 022 && mkdir -p ${dir} && printf '%s' ${formatRecord(handlers)} > ${temp} && mv -f ${temp} ${PENDING_HANDLERS_FILE}`;
}

function playbookPath(project: Project): string {
  return path.relative(project.inventory.projectDir, project.playbook.file).split(path.sep).join("/");
}
