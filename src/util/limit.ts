// At most `max` of the calls given to the returned function run at once; the others wait their turn, in
// order. For work that fans out without bound (reading every file of a tree at once would run out of file
// descriptors on a large one).
export function limiter(max: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
