// Owner, group and mode: comparing what a task asks for with what stat reported, and fixing only what
// differs, without touching content.
import { raw, sh, type Script } from "../../util/shell.js";
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
  if (chown && !noDeref) lines.push(...keepCapabilities(path));
  if (chown) {
    const spec = `${owner ?? ""}${group !== undefined ? `:${group}` : ""}`;
    lines.push(noDeref ? sh`chown -h -- ${spec} ${path}` : sh`chown -- ${spec} ${path}`);
  }
  if (mode !== undefined) lines.push(sh`chmod -- ${mode} ${path}`);
  if (keepMode) lines.push(sh`chmod -- "$kept_mode" ${path}`);
  if (chown && !noDeref) lines.push(sh`[ -z "$kept_caps" ] || setcap "$kept_caps" ${path}`);
  return lines;
}

/**
 * chown also clears a file's capabilities (the security.capability xattr `setcap cap_net_bind_service+ep`
 * sets), as it clears setuid: an owner change alone would take from a program what its content still
 * needs, unseen by the plan. They are read here and set again after chown. Without getcap and setcap
 * (libcap2-bin) they cannot be put back: a file that has them fails before chown, one without them
 * (tar sees the xattr, getcap or not) changes as usual. A rewritten file is a new file and has none.
 */
function keepCapabilities(path: string): Script[] {
  const missing = capabilitiesMissing(path);
  return [
    raw("kept_caps="),
    sh`if command -v getcap >/dev/null 2>&1 && command -v setcap >/dev/null 2>&1; then kept_caps=$(getcap ${path} 2>/dev/null) || kept_caps=; kept_caps=\${kept_caps#${path}}; kept_caps=\${kept_caps# }; kept_caps=\${kept_caps#= };`,
    sh`elif [ -f ${path} ] && tar --xattrs --xattrs-include=security.capability -cf - -- ${path} 2>/dev/null | grep -aq security.capability; then echo ${missing} >&2; exit 1; fi`,
  ];
}

function capabilitiesMissing(path: string): string {
  return `${path} has file capabilities (security.capability) that chown would clear, and getcap/setcap (libcap2-bin) are not installed to put them back; nothing was changed`;
}

/**
 * For `chown -R` of a directory: the capabilities of every file below it, noted before (`getcap -r`:
 * `PATH CAPS` lines, CAPS the last word; a name with a newline is not supported) and set again after, as
 * keepCapabilities does for one file. Without getcap/setcap, a file below that has them fails the task
 * before chown (tar reads the tree to find out; only then).
 */
export function keepCapabilitiesBelow(path: string): { before: Script[]; after: Script[] } {
  return {
    before: [
      raw(`kept_caps=$(mktemp)`),
      raw(`trap 'rm -f -- "$kept" "$kept_caps"' EXIT`),
      sh`if command -v getcap >/dev/null 2>&1 && command -v setcap >/dev/null 2>&1; then`,
      sh`  getcap -r ${path} 2>/dev/null | while IFS= read -r l; do f=\${l% *}; printf '%s\\0%s\\0' "\${l##* }" "\${f% =}"; done > "$kept_caps"`,
      sh`elif tar --xattrs --xattrs-include=security.capability -cf - -- ${path} 2>/dev/null | grep -aq security.capability; then echo ${capabilitiesMissing(`a file below ${path}`)} >&2; exit 1; fi`,
    ],
    after: [raw(`xargs -0 -r -n 2 setcap < "$kept_caps"`)],
  };
}
