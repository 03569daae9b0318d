// Where boot.ts keeps V8's code cache, and how it reads and writes it. V8 runs cached code as it finds it
// (a release build checks the source's length and its own version, no checksum), so a cache file someone
// else could write would be their code running as us. As OpenSSH's StrictModes asks of ~/.ssh: every
// directory on the real path must be owned by us or root and writable by no one else (a sticky one, like
// /tmp, is fine: no one else may rename what is ours there); the cache directory is ours and 0700; files
// are opened without following a link and checked on the open descriptor, and written as new files only.
import fs from "node:fs";
import path from "node:path";

/** `$XDG_CACHE_HOME/deploy` (absolute, as the XDG spec wants), else `~/.cache/deploy`; undefined without a home. */
export function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const xdg = env["XDG_CACHE_HOME"];
  const home = env["HOME"];
  const base = xdg && path.isAbsolute(xdg) ? xdg : home && path.isAbsolute(home) ? path.join(home, ".cache") : undefined;
  return base && path.join(base, "deploy");
}

const me = (): number | undefined => process.getuid?.();
/** The sticky bit: in such a directory only an entry's owner may rename or remove it. */
const STICKY = 0o1000;

/** No one but us (or root, above us) can change what the path holds. */
function guarded(st: fs.Stats, own: boolean): boolean {
  const owner = st.uid === me() || (!own && st.uid === 0);
  const othersWrite = (st.mode & 0o022) !== 0 && (st.mode & STICKY) === 0;
  return owner && !othersWrite;
}

/**
 * The directory's real path, created 0700 if missing, when it and every directory above it pass (see the
 * header); undefined otherwise, and the cache is not used.
 */
export function privateDir(dir: string): string | undefined {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const real = fs.realpathSync(dir);
    const own = fs.lstatSync(real);
    if (!own.isDirectory() || !guarded(own, true)) return undefined;
    for (let above = path.dirname(real); ; above = path.dirname(above)) {
      if (!guarded(fs.statSync(above), false)) return undefined;
      if (above === path.dirname(above)) return real;
    }
  } catch {
    return undefined;
  }
}

/** A cache file of ours, never through a link; undefined when there is none or it is not ours alone. */
export function readPrivate(dir: string, name: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.join(dir, name), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const st = fs.fstatSync(fd);
    return st.isFile() && guarded(st, true) ? fs.readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Writes `name` atomically (a new file, then renamed), after checking the directory again: the run that
 * writes may have lasted minutes. Files of this bundle (`sameBundle` prefix) other than `name` go.
 * Failing is no error: the next run compiles again.
 */
export function writePrivate(dir: string, name: string, data: () => Buffer, sameBundle: string): void {
  try {
    const real = privateDir(dir);
    if (!real) return;
    const tmp = path.join(real, `.${name}.${process.pid}`);
    // "wx": O_CREAT|O_EXCL, which also refuses a link planted under that name.
    fs.writeFileSync(tmp, data(), { mode: 0o600, flag: "wx" });
    fs.renameSync(tmp, path.join(real, name));
    for (const other of fs.readdirSync(real)) {
      if (other.startsWith(sameBundle) && other !== name) fs.rmSync(path.join(real, other), { force: true });
    }
  } catch {
    // A full disk, a read-only home.
  }
}
