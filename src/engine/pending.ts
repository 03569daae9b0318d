// Plan mode runs no commands, so what a command would have registered is unknown. Reading it throws
// PendingValueError, which the host runner reports as "depends on a pending change" instead of failing.

export class PendingValueError extends Error {
  override readonly name = "PendingValueError";
  constructor(readonly taskName: string) {
    super(`the result of '${taskName}' is only known after it runs`);
  }
}

export function pendingResult(taskName: string): object {
  return new Proxy(
    {},
    {
      get(_target, key) {
        if (typeof key === "symbol" || key === "toJSON" || key === "then") return undefined;
        throw new PendingValueError(taskName);
      },
      has() {
        throw new PendingValueError(taskName);
      },
    },
  );
}

/** Whether an error (or one of its causes) comes from reading a pending result. */
export function findPending(error: unknown): PendingValueError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current; depth++) {
    if (current instanceof PendingValueError) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}
