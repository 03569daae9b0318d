// Typed facts about a host, gathered in one round trip and cached for the run.

export interface Facts {
  os: {
    /** `debian`, `ubuntu`... (ID of /etc/os-release). */
    id: string;
    /** `12`, `24.04`... */
    version: string;
    codename: string;
    /** ID_LIKE plus id, e.g. ["debian"]. */
    family: string[];
  };
  /** `x86_64`, `aarch64`... */
  arch: string;
  /** `systemd` or what PID 1 is. */
  init: string;
  /** `apt`, `dnf`, `apk`... or `unknown`. */
  packageManager: string;
  hostname: string;
  /** IPv4 addresses of the host, loopback excluded. */
  addresses: string[];
  memoryMb: number;
  cpus: number;
  /**
   * The address this host sees deploy's SSH connection come from (the first field of $SSH_CONNECTION,
   * after any NAT): what a firewall must keep letting in. Empty when not over SSH (`connection: local`).
   */
  sshClient: string;
}
