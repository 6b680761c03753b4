// Polling for what a server or a kubectl child process does in its own time (a watch printing a
// line, a controller filling a field): tests against real processes cannot step a FakeClock.

/** fn's first defined answer, asked every stepMs; throws `timed out` after ms. */
export async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 10_000, stepMs = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
