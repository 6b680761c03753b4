// The network side of probes and HTTP hooks, behind one small interface. The agent ships a direct
// transport (Node sockets from the agent's own network namespace, see direct-transport.ts). Where
// pod IPs are unreachable from the agent (Docker Desktop), another transport can run the same
// requests from inside the pod's network namespace (a helper container joined to the sandbox):
// every request carries `via`, the pod and container it is made for, so such a transport can find
// the sandbox. A transport makes exactly one request per call; redirects, messages and result
// classification are the caller's (http-get.ts, run-probe.ts), so every transport behaves alike.
import { NodeletError } from '../../lib/errors.ts';

/** The pod and container a request is made for; lets a netns transport pick the sandbox. */
export interface TransportVia {
  podUid: string;
  containerId: string;
}

export interface HttpGetSpec {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Request target: path and query, starting with '/'. */
  path: string;
  /** In order; a name may repeat. Names are sent as given. */
  headers: [string, string][];
  timeoutMs: number;
  /** Read at most this many body bytes, then stop reading (not an error). */
  maxBodyBytes: number;
  via: TransportVia;
}

export interface HttpGetResponse {
  statusCode: number;
  /** The Location header, when present. */
  location?: string;
  /** At most maxBodyBytes of the body, decoded as UTF-8. */
  body: string;
}

export interface TcpConnectSpec {
  host: string;
  port: number;
  timeoutMs: number;
  via: TransportVia;
}

export interface GrpcHealthSpec {
  host: string;
  port: number;
  /** grpc.health.v1 HealthCheckRequest.service; '' for the server as a whole. */
  service: string;
  timeoutMs: number;
  userAgent: string;
  via: TransportVia;
}

export type GrpcServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

export type GrpcHealthResult =
  | { kind: 'response'; status: GrpcServingStatus }
  /** The call completed with a non-OK grpc-status. */
  | { kind: 'rpc-error'; code: number; message: string };

/**
 * Why a request failed. `message` is worded like Go's net errors (the kubelet's probe output), e.g.
 * `dial tcp 10.1.2.3:80: connect: connection refused`, so events read the same as a kubelet's.
 *  - connect: the connection could not be made (refused, unreachable, DNS);
 *  - timeout: timeoutMs passed (while connecting, awaiting headers or reading the body);
 *  - protocol: connected, but the exchange failed (reset, TLS, malformed response);
 *  - aborted: the caller's AbortSignal fired.
 */
export type TransportErrorKind = 'connect' | 'timeout' | 'protocol' | 'aborted';

export class TransportError extends NodeletError {
  readonly kind: TransportErrorKind;
  /** For timeouts: whether the response headers had arrived. */
  readonly phase: 'connect' | 'headers' | 'body';

  constructor(kind: TransportErrorKind, message: string, opts: { phase?: 'connect' | 'headers' | 'body'; cause?: unknown } = {}) {
    super(`ERR_PROBE_${kind.toUpperCase()}`, message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.phase = opts.phase ?? 'connect';
  }
}

export interface ProbeTransport {
  /** One GET, no redirects followed. Rejects with TransportError. */
  httpGet(spec: HttpGetSpec, signal?: AbortSignal): Promise<HttpGetResponse>;
  /** Opens and closes a TCP connection. Rejects with TransportError. */
  tcpConnect(spec: TcpConnectSpec, signal?: AbortSignal): Promise<void>;
  /**
   * grpc.health.v1.Health/Check over plaintext HTTP/2. Optional: without it gRPC probes error.
   * Rejects with TransportError when no connection could be made or the deadline passed.
   */
  grpcHealthCheck?(spec: GrpcHealthSpec, signal?: AbortSignal): Promise<GrpcHealthResult>;
}

/** Go's net.JoinHostPort: brackets IPv6 literals. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
