// Owner, group and mode: comparing what a task asks for with what stat reported, and fixing only what
// differs, without touching content.
import { sh, type Script } from "../../util/shell.js";
import { formatMode, modeBits } from "./params.js";
import type { StatInfo } from "./probe.js";

export interface Attrs {
  mode?: string;
  owner?: string;
  group?: string;
}

export interface AttrChange {
  what: "mode" | "owner" | "group";
  from: string;
  to: string;
}

// A name matches by name, a numeric id by id.
function sameAccount(wanted: string, name: string, id: number): boolean {
  return /^[0-9]+$/.test(wanted) ? Number(wanted) === id : wanted === name;
}

/** What would change; empty when the entry already has the attributes asked for. */
export function attrChanges(wanted: Attrs, stat: StatInfo): AttrChange[] {
  const changes: AttrChange[] = [];
  if (wanted.owner !== undefined && !sameAccount(wanted.owner, stat.user, stat.uid)) {
    changes.push({ what: "owner", from: stat.user, to: wanted.owner });
  }
  if (wanted.group !== undefined && !sameAccount(wanted.group, stat.group, stat.gid)) {
    changes.push({ what: "group", from: stat.group, to: wanted.group });
  }
  // Symlink permissions mean nothing on Linux; a link's mode is never compared.
  if (wanted.mode !== undefined && stat.type !== "link" && modeBits(wanted.mode) !== stat.mode) {
    changes.push({ what: "mode", from: formatMode(stat.mode), to: formatMode(modeBits(wanted.mode)) });
  }
  return changes;
}

/** "owner root -> www-data, mode 0600 -> 0644" */
export function describeAttrChanges(changes: ReadonlyArray<AttrChange>): string {
  return changes.map((c) => `${c.what} ${c.from} -> ${c.to}`).join(", ");
}

/**
 * Commands that set the attributes on `path` (only those that changed). `noDeref` acts on a symlink
 * itself instead of its target. chown before chmod: chown clears setuid/setgid bits (root's too, even to
 * the same owner), so a chown without a mode change puts back the mode the entry had just before it;
 * otherwise an owner change on a 4755 file would leave it 0755, a change the plan never showed.
 */
export function attrScript(path: string, changes: ReadonlyArray<AttrChange>, noDeref = false): Script[] {
  const owner = changes.find((c) => c.what === "owner")?.to;
  const group = changes.find((c) => c.what === "group")?.to;
  const mode = changes.find((c) => c.what === "mode")?.to;
  const lines: Script[] = [];
  const chown = owner !== undefined || group !== undefined;
  // A symbolic link has no mode of its own, and chown -h leaves its target's alone.
  const keepMode = chown && mode === undefined && !noDeref;
  if (keepMode) lines.push(sh`kept_mode=$(stat -c %a -- ${path})`);
  if (chown) {
    const spec = `${owner ?? ""}${group !== undefined ? `:${group}` : ""}`;
    lines.push(noDeref ? sh`chown -h -- ${spec} ${path}` : sh`chown -- ${spec} ${path}`);
  }
  if (mode !== undefined) lines.push(sh`chmod -- ${mode} ${path}`);
  if (keepMode) lines.push(sh`chmod -- "$kept_mode" ${path}`);
  return lines;
}
