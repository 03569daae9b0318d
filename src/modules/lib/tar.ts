// A POSIX ustar archive built in memory: how a copied tree's files travel to a host in ONE exec (GNU tar,
// present on every Debian and Ubuntu host, unpacks it). Only what that needs: regular files with short
// names and a mode. Ownership is set by the script on the host, so headers carry uid/gid 0 and no names.
// (The npm tar libraries are built around the file system or pull in a stream runtime; this is 40 lines.)

const BLOCK = 512;

export interface TarMember {
  /** At most 100 bytes: callers use short generated names. */
  name: string;
  content: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** Octal number, zero-padded to `width - 1` digits and NUL-terminated, as ustar numeric fields are. */
function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(member: TarMember, mtime: number): Buffer {
  const name = Buffer.from(member.name, "utf8");
  if (name.length > 100) throw new Error(`tar member name longer than 100 bytes: ${member.name}`);
  const block = Buffer.alloc(BLOCK);
  name.copy(block, 0);
  block.write(octal(member.mode & 0o7777, 8), 100, "ascii");
  block.write(octal(0, 8), 108, "ascii");
  block.write(octal(0, 8), 116, "ascii");
  block.write(octal(member.content.length, 12), 124, "ascii");
  block.write(octal(mtime, 12), 136, "ascii");
  block.write("0", 156, "ascii"); // regular file
  block.write("ustar\0" + "00", 257, "ascii");
  // The checksum is computed with its own field read as eight spaces.
  block.write("        ", 148, "ascii");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + " ", 148, "ascii");
  return block;
}

export function tarArchive(members: readonly TarMember[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const member of members) {
    parts.push(header(member, mtime), member.content);
    const pad = (BLOCK - (member.content.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  // The end of an archive: two zero blocks.
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
