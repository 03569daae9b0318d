// The one script that writes a file on a host: content arrives on stdin, lands in a temp file in the
// target directory, is checked to be whole, fsynced, optionally validated, then renamed over the target
// (rename is atomic, so readers see the old file or the new one, never half of one). Used by
// Connection.put and by the file-writing modules, so both have the same guarantees in ONE round trip,
// with or without sudo.
import { raw, sh, type Script } from "../util/shell.js";

export interface AtomicWriteOptions {
  /** Octal mode string, e.g. "0644". */
  mode?: string;
  owner?: string;
  group?: string;
  /**
   * A command run against the staged file before it replaces the target; `%s` stands for the staged path.
   * Role authors write it (trusted script text, like a task's `command`). On failure the target is untouched.
   */
  validate?: string;
  /** Keep the previous version as `<path>.<UTC timestamp to the nanosecond>.bak` before replacing it. */
  backup?: boolean;
}

/** Exit status the script uses when `validate` rejected the staged file. */
export const VALIDATE_FAILED_EXIT = 65;

/**
 * `bytes` is the length of the content sent on stdin. When the sender goes away mid-upload (killed, its
 * connection lost), `cat` sees an ordinary end of input: without this check the part that arrived would
 * replace a working file.
 */
export function atomicWriteScript(path: string, bytes: number, options: AtomicWriteOptions = {}): Script {
  const lines: Script[] = [
    raw("set -e"),
    sh`dest=${path}`,
    raw(`tmp=$(mktemp "$(dirname -- "$dest")/.deploy.XXXXXXXX")`),
    raw(`trap 'rm -f -- "$tmp"' EXIT`),
    // A shell killed by a signal skips its EXIT trap: when the sender is gone, sshd's end of stderr is
    // closed, the first message raises SIGPIPE, and the staged part would stay behind.
    raw(`trap 'exit 1' HUP INT PIPE TERM`),
    raw(`cat > "$tmp"`),
    raw(`got=$(wc -c < "$tmp")`),
    sh`[ "$got" -eq ${String(bytes)} ] || { echo "received $got of "${String(bytes)}" bytes (the upload was cut off); "${path}" left unchanged" >&2; exit 1; }`,
  ];
  if (options.owner !== undefined || options.group !== undefined) {
    const spec = `${options.owner ?? ""}${options.group !== undefined ? `:${options.group}` : ""}`;
    lines.push(sh`chown ${spec} "$tmp"`);
  }
  // After chown, which clears setuid/setgid (even root's, even to the same owner): a 4755 file would
  // otherwise come out 0755, and the next plan would see nothing to do.
  lines.push(sh`chmod ${options.mode ?? "0644"} "$tmp"`);
  // `sync FILE` fsyncs just that file (coreutils >= 8.24); without it a crash could leave an empty file.
  lines.push(raw(`sync -- "$tmp"`));
  if (options.validate !== undefined) {
    // `%s` becomes a reference to an exported variable, not the path itself: it then also reaches a shell
    // the command starts (`sh -c '! grep -q BAD %s'`), whose single quotes a plain `$tmp` would not cross.
    const command = options.validate.includes("%s")
      ? options.validate.split("%s").join(`"$deploy_staged"`)
      : `${options.validate} "$deploy_staged"`;
    lines.push(raw(`export deploy_staged="$tmp"`));
    lines.push(raw(`if ! ( ${command} ) >"$tmp.out" 2>&1; then cat "$tmp.out" >&2; rm -f "$tmp.out"; exit ${VALIDATE_FAILED_EXIT}; fi`));
    lines.push(raw(`rm -f "$tmp.out"`));
  }
  if (options.backup) {
    // -P keeps a symbolic link as the link it was (a link to a directory cannot be copied as a file). The
    // backup is removed again if the rename fails (an immutable file): each failed run would leave one more.
    // The name has the time to the nanosecond, fixed width so names sort by time: two writes within one
    // second (a template and a lineinfile on one file) would otherwise share a name, the second backup
    // replacing the first; a name already taken is never reused.
    lines.push(
      raw(
        `if [ -e "$dest" ] || [ -L "$dest" ]; then bak=; while [ -z "$bak" ] || [ -e "$bak" ] || [ -L "$bak" ]; do bak="$dest.$(date -u +%Y%m%dT%H%M%S.%NZ).bak"; done; ` +
          `cp -P -p -- "$dest" "$bak"; trap 'rm -f -- "$tmp" "$bak"' EXIT; fi`,
      ),
    );
  }
  // -T: a symbolic link to a directory is replaced, as the plan says, instead of the file moving into it.
  lines.push(raw(`mv -fT -- "$tmp" "$dest"`), raw("trap - EXIT"));
  return raw(lines.map(String).join("\n"));
}
