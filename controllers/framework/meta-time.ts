// metav1.Time as the API writes it (RFC 3339 in UTC, whole seconds) and as controllers read it
// (milliseconds since the epoch; an absent or unparsable time is Go's zero time, undefined here).

/** Milliseconds since the epoch, or undefined for the zero time (absent, empty or unparsable). */
export function timeMs(t: string | undefined): number | undefined {
  if (t === undefined || t === '') return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** metav1.Time's wire form: RFC 3339 in UTC, the fraction of a second dropped. */
export function metaTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
