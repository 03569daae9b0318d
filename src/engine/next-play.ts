// A host that has finished a play waits for the play's other hosts before its next play starts (plays
// run in order, as in Ansible). Meanwhile the first round trip of probes of each of its later plays goes
// out, so those plays start with their observations in hand: in the reference stack, the app servers'
// probes run while the database plays are still running, and a plan or a no-op apply ends that much sooner.
//
// Probes are read-only, but what they saw holds only while no host is touched: a task of another host can
// change this one (delegate_to), or change what this host's next play will render. So probes go ahead only
// while no task of the run has touched any host, and are thrown away if one has by the time the play
// starts. A plan never touches a host; a no-op apply neither; an apply that changes things probes as before.
import type { ProbeCache } from "./probe-cache.js";

export class NextPlayProbes {
  private touches = 0;
  /** By `host#play`. */
  private readonly sent = new Map<string, { touchesAt: number; probes: Promise<ProbeCache | undefined> }>();

  /** A task item is about to touch a host (counted before: a change cut short still changed it). */
  touched(): void {
    this.touches++;
  }

  /** Whether probing ahead is still worth it: once the run changes hosts, the probes would go stale. */
  get open(): boolean {
    return this.touches === 0;
  }

  /** Sends `host`'s probes for play number `play`, once; failures are the play's to meet when it runs. */
  send(host: string, play: number, probe: () => Promise<ProbeCache>): void {
    if (this.sent.has(`${host}#${play}`)) return;
    // Whatever goes wrong preparing them (even at once, before a promise) is for the play to meet.
    const probes = Promise.resolve().then(probe).catch(() => undefined);
    this.sent.set(`${host}#${play}`, { touchesAt: this.touches, probes });
  }

  /** The probes sent for `host`'s play number `play`, if still true to the hosts. */
  async take(host: string, play: number): Promise<ProbeCache | undefined> {
    const sent = this.sent.get(`${host}#${play}`);
    if (!sent) return undefined;
    this.sent.delete(`${host}#${play}`);
    const probes = await sent.probes;
    return this.touches === sent.touchesAt ? probes : undefined;
  }

  /** Waits for probes still out (the run must not disconnect under them). */
  async settle(): Promise<void> {
    await Promise.all([...this.sent.values()].map((s) => s.probes));
    this.sent.clear();
  }
}
