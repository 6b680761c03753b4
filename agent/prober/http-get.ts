// The httpGet action shared by probes and hooks: builds the request the way the kubelet does
// (NewRequestForHTTPGetAction) and runs it through a ProbeTransport with the kubelet's redirect
// rule (RedirectChecker(false)): redirects are followed only while they stay on the same host name,
// at most 10 requests; a redirect to another host is returned as the 3xx response itself.
import type { Container, HTTPGetAction } from 'kubernetes-types/core/v1.d.ts';
import { resolveContainerPort, ProbeConfigError } from './container-port.ts';
import { goQuote } from './go-format.ts';
import { joinHostPort, TransportError, type ProbeTransport, type TransportVia } from './transport.ts';

/** Body bytes read for messages (the kubelet's maxRespBodyLength). */
export const MAX_BODY_BYTES = 10 * 1024;
/** The Kubernetes minor version nodelet claims in User-Agent headers (kube-probe/1.33). */
export const DEFAULT_KUBE_VERSION = '1.33';
const MAX_REQUESTS = 10;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

export interface HttpGetRequest {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Request target (path and query), always starting with '/'. */
  path: string;
  headers: [string, string][];
  /** The URL as Go prints it in errors, e.g. http://10.1.2.3:80/healthz. */
  url: string;
}

export type HttpGetOutcome =
  | { kind: 'response'; statusCode: number; body: string; url: string }
  /** message is Go's url.Error text: Get "<url>": <cause>. */
  | { kind: 'error'; message: string; cause?: TransportError };

/** Go's textproto.CanonicalMIMEHeaderKey for token names: user-agent → User-Agent. */
export function canonicalHeaderName(name: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

function escapeTarget(target: string): string {
  return target.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
}

function splitPath(path: string): { target: string; display: string } {
  const noFragment = path.split('#')[0] ?? '';
  if (noFragment === '') return { target: '/', display: '' };
  const withSlash = noFragment.startsWith('/') ? noFragment : `/${noFragment}`;
  const escaped = escapeTarget(withSlash);
  return { target: escaped, display: escaped };
}

/**
 * The request for an httpGet action. host defaults to podIP; port by number or container port name.
 * purpose is 'probe' or 'lifecycle' (User-Agent kube-probe/1.33 or kube-lifecycle/1.33).
 * Throws ProbeConfigError when the port cannot be resolved or no host is known.
 */
export function buildHttpGetRequest(
  action: HTTPGetAction,
  container: Container,
  podIP: string | undefined,
  purpose: 'probe' | 'lifecycle',
  kubeVersion = DEFAULT_KUBE_VERSION,
): HttpGetRequest {
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw new ProbeConfigError(`unsupported protocol scheme ${goQuote(scheme)}`);
  const host = action.host !== undefined && action.host !== '' ? action.host : podIP;
  if (host === undefined || host === '') throw new ProbeConfigError('pod has no IP address yet');
  const port = resolveContainerPort(action.port, container);
  const { target, display } = splitPath(action.path ?? '');

  const headers: [string, string][] = (action.httpHeaders ?? []).map((h) => [canonicalHeaderName(h.name), h.value]);
  const has = (n: string): boolean => headers.some(([k]) => k.toLowerCase() === n);
  if (!has('user-agent')) headers.push(['User-Agent', `kube-${purpose}/${kubeVersion}`]);
  if (!has('accept')) {
    headers.push(['Accept', '*/*']);
  } else if (headers.find(([k]) => k.toLowerCase() === 'accept')?.[1] === '') {
    // Accept overridden with an empty value: send none (Go deletes the header).
    for (let i = headers.length - 1; i >= 0; i--) if (headers[i]?.[0].toLowerCase() === 'accept') headers.splice(i, 1);
  }
  return { scheme, host, port, path: target, headers, url: `${scheme}://${joinHostPort(host, port)}${display}` };
}

function hostnameOf(u: URL): string {
  return u.hostname.replace(/^\[(.*)\]$/, '$1');
}

function requestFromUrl(u: URL, prev: HttpGetRequest, absolute: boolean): HttpGetRequest | string {
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'http' && scheme !== 'https') return `unsupported protocol scheme ${goQuote(scheme)}`;
  const port = u.port === '' ? (scheme === 'https' ? 443 : 80) : Number(u.port);
  // A custom Host header survives only relative redirects (Go's http.Client rule).
  const headers = absolute ? prev.headers.filter(([k]) => k.toLowerCase() !== 'host') : prev.headers;
  return { scheme, host: hostnameOf(u), port, path: `${u.pathname}${u.search}`, headers, url: u.href };
}

/**
 * GET with the kubelet's redirect rule. timeoutMs bounds the whole exchange, redirects included
 * (Go's Client.Timeout); it is measured on the monotonic clock because it bounds real I/O.
 */
export async function httpGetWithRedirects(
  transport: ProbeTransport,
  request: HttpGetRequest,
  opts: { timeoutMs: number; via: TransportVia; signal?: AbortSignal; maxBodyBytes?: number },
): Promise<HttpGetOutcome> {
  const deadline = performance.now() + opts.timeoutMs;
  let current = request;
  for (let requests = 1; ; requests++) {
    const remaining = Math.max(1, Math.ceil(deadline - performance.now()));
    let res;
    try {
      res = await transport.httpGet(
        { ...current, timeoutMs: remaining, maxBodyBytes: opts.maxBodyBytes ?? MAX_BODY_BYTES, via: opts.via },
        opts.signal,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { kind: 'error', message: `Get ${goQuote(current.url)}: ${message}`, ...(err instanceof TransportError ? { cause: err } : {}) };
    }
    const response = { kind: 'response' as const, statusCode: res.statusCode, body: res.body, url: current.url };
    if (!REDIRECT_CODES.has(res.statusCode) || res.location === undefined || res.location === '') return response;

    let next: URL;
    try {
      next = new URL(res.location, current.url);
    } catch {
      return { kind: 'error', message: `Get ${goQuote(current.url)}: failed to parse Location header ${goQuote(res.location)}` };
    }
    if (hostnameOf(next) !== current.host) return response;
    if (requests >= MAX_REQUESTS) return { kind: 'error', message: `Get ${goQuote(next.href)}: stopped after 10 redirects` };
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(res.location);
    const built = requestFromUrl(next, current, absolute);
    if (typeof built === 'string') return { kind: 'error', message: `Get ${goQuote(next.href)}: ${built}` };
    current = built;
  }
}
