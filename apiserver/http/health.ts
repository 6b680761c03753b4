// /healthz, /livez and /readyz as kube-apiserver serves them: "ok" by default; with ?verbose (any
// value) one "[+]<check> ok" line per check and "<endpoint> check passed"; /<endpoint>/<check>
// for one check; ?exclude=<check> leaves a check out. Load balancers and wait strategies poll
// these without credentials (system:public-info-viewer).

/** The checks this server runs, in upstream's order where upstream has the same check. */
export interface HealthChecks {
  /** name → healthy; evaluated on each request. */
  readonly [name: string]: () => boolean;
}

export interface HealthAnswer {
  code: number;
  body: string;
}

const ENDPOINTS = new Set(['healthz', 'livez', 'readyz']);

/** The answer for a health path, or undefined when the path is not a health endpoint. */
export function healthAnswer(path: string, query: URLSearchParams, checks: HealthChecks): HealthAnswer | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  const endpoint = parts[0];
  if (endpoint === undefined || !ENDPOINTS.has(endpoint) || parts.length > 2) return undefined;
  const one = parts[1];
  if (one !== undefined) {
    const check = checks[one];
    if (check === undefined) return { code: 404, body: '404 page not found\n' };
    return check() ? { code: 200, body: 'ok' } : { code: 500, body: `[-]${one} failed: reason withheld\n${endpoint} check failed\n` };
  }
  const excluded = new Set(query.getAll('exclude'));
  const lines: string[] = [];
  let failed = false;
  for (const [name, check] of Object.entries(checks)) {
    if (excluded.has(name)) {
      lines.push(`[+]${name} excluded: ok`);
      continue;
    }
    const ok = check();
    if (!ok) failed = true;
    lines.push(ok ? `[+]${name} ok` : `[-]${name} failed: reason withheld`);
  }
  if (failed) return { code: 500, body: `${lines.join('\n')}\n${endpoint} check failed\n` };
  if (!query.has('verbose')) return { code: 200, body: 'ok' };
  return { code: 200, body: `${lines.join('\n')}\n${endpoint} check passed\n` };
}
