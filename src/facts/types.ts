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
  /**
   * Handlers an earlier apply notified and never ran to success on this host (engine/handler-record.ts
   * writes them); undefined when none are recorded.
   */
  pendingHandlers?: PendingHandler[];
}

/** A handler as the record names it: by its role, or (a play's own handler) by its playbook and play. */
export interface PendingHandler {
  handler: string;
  role?: string;
  /** Relative to the project directory. */
  playbook?: string;
  play?: string;
}
