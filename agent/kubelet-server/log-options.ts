// PodLogOptions from a /containerLogs query string, decoded the way the apiserver's parameter codec
// does (booleans are true unless "0"/"false"; "tail" is the legacy spelling of tailLines) and
// validated as ValidatePodLogOptions does.

export interface PodLogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** Milliseconds since the epoch. */
  sinceTime?: number;
  limitBytes?: number;
}

export type LogOptionsResult = { options: PodLogOptions } | { error: { code: 400 | 422; message: string } };

function bool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

// RFC 3339 as Go's time.Parse(time.RFC3339) accepts it (fractional seconds optional).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseLogOptions(query: URLSearchParams): LogOptionsResult {
  const q = new URLSearchParams(query);
  const tail = q.get('tail');
  if (tail !== null && tail !== '') {
    if (tail === 'all') q.delete('tailLines');
    else q.set('tailLines', tail);
  }
  const options: PodLogOptions = { follow: bool(q, 'follow'), previous: bool(q, 'previous'), timestamps: bool(q, 'timestamps') };
  for (const name of ['tailLines', 'sinceSeconds', 'limitBytes'] as const) {
    const raw = q.get(name);
    if (raw === null) continue;
    if (!/^[+-]?\d+$/.test(raw)) return { error: { code: 400, message: `Unable to decode query: ${name}: invalid integer "${raw}"` } };
    options[name] = Number(raw);
  }
  const sinceTime = q.get('sinceTime');
  if (sinceTime !== null && sinceTime !== '') {
    const ms = RFC3339.test(sinceTime) ? Date.parse(sinceTime) : Number.NaN;
    if (Number.isNaN(ms)) return { error: { code: 400, message: `Unable to decode query: sinceTime: invalid RFC3339 time "${sinceTime}"` } };
    options.sinceTime = ms;
  }
  const problems: string[] = [];
  if (options.tailLines !== undefined && options.tailLines < 0) problems.push(`tailLines: Invalid value: ${options.tailLines}: must be greater than or equal to 0`);
  if (options.limitBytes !== undefined && options.limitBytes < 1) problems.push(`limitBytes: Invalid value: ${options.limitBytes}: must be greater than 0`);
  if (options.sinceSeconds !== undefined && options.sinceTime !== undefined) problems.push('sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  else if (options.sinceSeconds !== undefined && options.sinceSeconds < 1) problems.push(`sinceSeconds: Invalid value: ${options.sinceSeconds}: must be greater than 0`);
  if (problems.length > 0) return { error: { code: 422, message: `PodLogOptions is invalid: ${problems.join(', ')}` } };
  return { options };
}
