// A bounded number of channels per connection. sshd refuses sessions over its MaxSessions (10 by default)
// with "open failed, reason 2" while the connection itself stays usable, so callers queue for a slot, and
// a refused open is retried with backoff after a slot frees up, instead of failing the task.

export const DEFAULT_MAX_CHANNELS = 8;
/** SSH_OPEN_RESOURCE_SHORTAGE, what sshd answers over MaxSessions. */
export const RESOURCE_SHORTAGE = 2;

export interface ChannelPoolOptions {
  max?: number;
  /** Attempts for one channel open refused for lack of resources. */
  attempts?: number;
  /** First backoff; doubles per attempt. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Successful commands after which a lowered cap goes up by one again. */
const RECOVER_AFTER = 16;

export function isResourceShortage(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { reason?: unknown }).reason === RESOURCE_SHORTAGE;
}

export class ChannelPool {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private limit: number;
  private readonly max: number;
  private successesSinceCut = 0;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: ChannelPoolOptions = {}) {
    this.max = options.max ?? DEFAULT_MAX_CHANNELS;
    this.limit = this.max;
    this.attempts = options.attempts ?? 8;
    this.backoffMs = options.backoffMs ?? 25;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get inUse(): number {
    return this.active;
  }

  get capacity(): number {
    return this.limit;
  }

  /** Run `use` holding a slot; `open` failures with reason 2 are retried, everything else propagates. */
  async run<T>(use: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.acquire();
      try {
        const value = await use();
        this.succeeded();
        return value;
      } catch (error: unknown) {
        if (!isResourceShortage(error) || attempt >= this.attempts) throw error;
        // The server holds fewer sessions than we thought (another client, an sftp session...):
        // lower the cap to what it accepted so the queue stops knocking.
        this.limit = Math.max(1, Math.min(this.limit, this.active - 1));
        this.successesSinceCut = 0;
      } finally {
        this.release();
      }
      await this.sleep(this.backoffMs * 2 ** (attempt - 1));
    }
  }

  /** sshd may free sessions later than we close them, so a cut can undershoot: creep back up. */
  private succeeded(): void {
    if (this.limit >= this.max) return;
    if (++this.successesSinceCut >= RECOVER_AFTER) {
      this.limit++;
      this.successesSinceCut = 0;
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => {
      this.active++;
      resolve();
    }));
  }

  private release(): void {
    this.active--;
    while (this.active < this.limit) {
      const next = this.waiting.shift();
      if (!next) break;
      next();
    }
  }
}
