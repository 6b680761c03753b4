// Sets of completion indexes as sorted, merged intervals: the form of status.completedIndexes and
// status.failedIndexes ("1,3-5,7": two neighbours are written "1,2", three or more as a range).
// Parsing skips what it cannot read and drops indexes at or above completions, as upstream does.

export interface Interval {
  first: number;
  last: number;
}

export type Intervals = readonly Interval[];

/** orderedIntervals.merge. */
export function mergeIntervals(a: Intervals, b: Intervals): Interval[] {
  const out: Interval[] = [];
  const push = (iv: Interval): void => {
    const last = out[out.length - 1];
    if (last === undefined || iv.first > last.last + 1) out.push({ ...iv });
    else if (last.last < iv.last) last.last = iv.last;
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as Interval;
    const y = b[j] as Interval;
    if (x.first < y.first) {
      push(x);
      i++;
    } else {
      push(y);
      j++;
    }
  }
  for (; i < a.length; i++) push(a[i] as Interval);
  for (; j < b.length; j++) push(b[j] as Interval);
  return out;
}

/** withOrderedIndexes: adds indexes given in increasing order. */
export function withIndexes(a: Intervals, indexes: readonly number[]): Interval[] {
  return mergeIntervals(a, indexes.map((ix) => ({ first: ix, last: ix })));
}

export function totalOf(a: Intervals): number {
  return a.reduce((n, iv) => n + iv.last - iv.first + 1, 0);
}

export function hasIndex(a: Intervals, ix: number): boolean {
  return a.some((iv) => iv.first <= ix && ix <= iv.last);
}

export function formatIntervals(a: Intervals): string {
  return a.map((iv) => {
    if (iv.last === iv.first) return String(iv.first);
    return `${iv.first}${iv.last === iv.first + 1 ? ',' : '-'}${iv.last}`;
  }).join(',');
}

function atoi(s: string | undefined): number | undefined {
  return s !== undefined && /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** parseIndexesFromString. */
export function parseIntervals(text: string, completions: number): Interval[] {
  if (text === '') return [];
  const out: Interval[] = [];
  for (const part of text.split(',')) {
    const limits = part.split('-');
    const first = atoi(limits[0]);
    if (first === undefined) continue;
    if (first >= completions) break;
    let last = first;
    if (limits.length > 1) {
      const l = atoi(limits[1]);
      if (l === undefined) continue;
      last = Math.min(l, completions - 1);
    }
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.last === first - 1) prev.last = last;
    else out.push({ first, last });
  }
  return out;
}
