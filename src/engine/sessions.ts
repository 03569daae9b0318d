// One connection and one facts gathering per host for the whole run, opened on first use and shared by
// every play. A host that could not be reached stays unreachable for the rest of the run; one another apply
// holds (HostBusy) stays failed.
import type { Host } from "../config/model.js";
import { ConnectionError, type Connection } from "../connection/types.js";
import type { FirstGathering } from "../facts/gather.js";
import type { Facts } from "../facts/types.js";

export interface Session {
  conn: Connection;
  facts: Facts;
}

export interface SessionOpeners {
  /** `stop` aborted: give up connecting (the run was asked to stop; the host has done nothing yet). */
  connect(host: Host, stop?: AbortSignal): Promise<Connection>;
  gatherFacts(conn: Connection): Promise<Facts>;
  /**
   * The host's first gathering of the run, which in apply also takes the host's lock, held until the
   * connection closes (or throws HostBusy); gatherFacts when absent.
   */
  gatherFirst?(conn: Connection): Promise<FirstGathering>;
}

/** The run was stopped while the host was still connecting: it never started, it is not unreachable. */
export class ConnectStopped extends Error {
  override readonly name = "ConnectStopped";
}

export class Sessions {
  private readonly open = new Map<string, Promise<Session>>();
  private readonly conns = new Map<string, Connection>();

  constructor(
    private readonly openers: SessionOpeners,
    private readonly stop?: AbortSignal,
    /** What the first gathering has to say about a host (plan: an apply holds it). */
    private readonly warn?: (host: string, message: string) => void,
  ) {}

  /** The host's session; rejects with ConnectionError when it cannot be reached. */
  get(host: Host): Promise<Session> {
    let session = this.open.get(host.name);
    if (!session) {
      session = this.start(host);
      this.open.set(host.name, session);
    }
    return session;
  }

  private async start(host: Host): Promise<Session> {
    let conn: Connection;
    try {
      conn = await this.openers.connect(host, this.stop);
    } catch (error: unknown) {
      if (this.stop?.aborted) throw new ConnectStopped(`${host.name}: connecting stopped`, { cause: error });
      if (error instanceof ConnectionError) throw error;
      throw new ConnectionError("unreachable", host.name, error instanceof Error ? error.message : String(error), undefined, { cause: error });
    }
    this.conns.set(host.name, conn);
    if (!this.openers.gatherFirst) return { conn, facts: await this.openers.gatherFacts(conn) };
    const first = await this.openers.gatherFirst(conn);
    if (first.warning !== undefined) this.warn?.(host.name, first.warning);
    return { conn, facts: first.facts };
  }

  async regatherFacts(host: Host): Promise<Facts> {
    const session = await this.get(host);
    session.facts = await this.openers.gatherFacts(session.conn);
    return session.facts;
  }

  roundTrips(): Record<string, number> {
    return Object.fromEntries([...this.conns].map(([name, conn]) => [name, conn.stats.roundTrips]));
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.conns.values()].map((c) => c.close()));
  }
}
