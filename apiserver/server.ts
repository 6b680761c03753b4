// The API server, assembled: storage (SQLite under the data dir, or any Storage), the registry
// with the initial namespaces, the Services' ClusterIP and node port allocators (rebuilt from the
// stored Services), the HTTPS listener with bearer-token authentication, and the controllers that
// run inside it (namespaces, service accounts, scheduler, node lifecycle, the `kubernetes` Service).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { SystemClock, type Clock } from '../lib/clock.ts';
import { createLogger, type Logger } from '../lib/log.ts';
import { CrdController } from './controllers/crd-controller.ts';
import { ApiHandler, writeRawError, type Authenticator, type PodStreaming, type UserInfo } from './http/handler.ts';
import { ApiError } from './api/errors.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { createCertificateAuthority, createServiceAccountKey, createServingCertificate, ensureCredentials, type ServerCredentials } from './pki.ts';
import { IdentityIndex } from './registry/identity-index.ts';
import { Registry } from './registry/registry.ts';
import { ServiceAccountTokens } from './registry/service-account-tokens.ts';
import { createSqliteStorage } from './storage/sqlite-storage.ts';
import type { Storage } from './storage/types.ts';
import { bootstrapRegistry } from './registry/bootstrap.ts';
import { DEFAULT_SERVICE_CIDR, kubernetesServiceIP, parseCidr, type Cidr } from '../kube/cluster-network.ts';
import { defaultAdvertiseAddress, inClusterCertificateHosts } from './advertise.ts';
import { KubernetesServiceController } from './controllers/kubernetes-service.ts';
import type { PortRange } from './registry/range-allocator.ts';
import { attachServiceAllocation, type ServiceAllocator } from './registry/service-allocation.ts';

export interface Controller {
  start(): void;
  stop(): void;
}

export interface ApiServerOptions {
  /** Where state.db, pki/, admin-token, node-token and kubeconfig live. */
  dataDir?: string;
  /** Overrides the SQLite storage (e.g. createMemoryStorage() in tests). */
  storage?: Storage;
  /** Overrides the credentials kept under dataDir (generated in memory when neither is given). */
  credentials?: ServerCredentials;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Serve plain HTTP (kubectl then sends no credentials; for in-process tests only). */
  insecureHttp?: boolean;
  /** Extra names/IPs for the serving certificate. */
  certificateHosts?: string[];
  clock?: Clock;
  log?: Logger;
  /** Builds the controllers to run (default: none; see startApiServer in apiserver/main.ts). */
  controllers?: (registry: Registry, clock: Clock, log: Logger, credentials: ServerCredentials) => Controller[];
  /** How exec/attach/log reach the node agents. */
  streaming?: (registry: Registry, credentials: ServerCredentials, log: Logger) => PodStreaming;
  bookmarkIntervalMs?: number;
  minRequestTimeoutSeconds?: number;
  /** --service-cluster-ip-range: where Services' ClusterIPs come from (default 10.96.0.0/12). */
  serviceClusterIPRange?: string;
  /** --service-node-port-range (default 30000-32767). */
  serviceNodePortRange?: PortRange;
  /**
   * --advertise-address: where pods reach this server, the `kubernetes` Service's endpoint
   * (default: the listen address when concrete, else the host's first non-loopback IPv4).
   */
  advertiseAddress?: string;
  /** How often the `kubernetes` Service and its endpoints are reconciled (default 10 s). */
  kubernetesServiceIntervalMs?: number;
  /**
   * Also accept connections on the advertise address (when it is not the listen address), so
   * pods reach this server through the `kubernetes` Service; the serving certificate then names
   * that address, the Service's ClusterIP and kubernetes.default.svc.
   */
  listenOnAdvertiseAddress?: boolean;
}

function serviceCidrOf(range: string | undefined): Cidr {
  const cidr = parseCidr(range ?? DEFAULT_SERVICE_CIDR);
  if (cidr === undefined) throw new Error(`not an IPv4 CIDR: ${String(range)}`);
  return cidr;
}

export class ApiServer {
  readonly url: string;
  readonly port: number;

  private constructor(
    readonly registry: Registry,
    readonly credentials: ServerCredentials,
    private readonly server: Server,
    private readonly handler: ApiHandler,
    private readonly controllers: Controller[],
    private readonly sockets: Set<Socket>,
    readonly log: Logger,
    /** The ClusterIP and node port allocators of Services. */
    readonly serviceAllocator: ServiceAllocator,
    host: string,
    tls: boolean,
  ) {
    this.port = (server.address() as AddressInfo).port;
    const h = host.includes(':') ? `[${host}]` : host;
    this.url = `${tls ? 'https' : 'http'}://${h === '0.0.0.0' ? '127.0.0.1' : h}:${this.port}`;
  }

  static async start(o: ApiServerOptions = {}): Promise<ApiServer> {
    const log = o.log ?? createLogger('apiserver');
    const clock = o.clock ?? new SystemClock();
    const host = o.host ?? '127.0.0.1';
    const advertise = o.advertiseAddress ?? defaultAdvertiseAddress(host);
    const certHosts = [
      host,
      ...(o.listenOnAdvertiseAddress === true ? inClusterCertificateHosts(advertise, kubernetesServiceIP(serviceCidrOf(o.serviceClusterIPRange))) : []),
      ...(o.certificateHosts ?? []),
    ];
    let credentials = o.credentials;
    if (credentials === undefined) {
      if (o.dataDir !== undefined) {
        mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
        credentials = await ensureCredentials(o.dataDir, { hosts: certHosts });
      } else {
        credentials = await inMemoryCredentials(certHosts);
      }
    }
    if (o.storage === undefined && o.dataDir === undefined) throw new Error('ApiServer needs a dataDir or a storage');
    const storage = o.storage ?? createSqliteStorage(join(o.dataDir ?? '', 'state.db'));
    const registry = new Registry(storage, clock);
    const customResources = await bootstrapRegistry(registry);
    const serviceAllocator = await attachServiceAllocation(registry, {
      ...(o.serviceClusterIPRange === undefined ? {} : { serviceCIDR: o.serviceClusterIPRange }),
      ...(o.serviceNodePortRange === undefined ? {} : { nodePortRange: o.serviceNodePortRange }),
    }, log.child({ component: 'service-allocation' }));
    const creds = credentials;
    // Bearer tokens: the two static ones, then service-account tokens (signed with pki/sa.key)
    const identities = await IdentityIndex.open(registry);
    const tokens = new ServiceAccountTokens({
      key: creds.serviceAccountKey ?? createServiceAccountKey(),
      clock,
      identities,
      staticTokens: (token): UserInfo | undefined => {
        if (token === creds.adminToken) return { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
        if (token === creds.nodeToken) return { name: 'system:node', groups: ['system:nodes', 'system:authenticated'] };
        return undefined;
      },
    });
    const authenticator: Authenticator = { authenticate: (token) => tokens.authenticate(token) };
    let address = '';
    const handler = new ApiHandler({
      registry,
      clock,
      log,
      authenticator,
      tokens,
      serverAddress: () => address,
      ...(o.streaming === undefined ? {} : { streaming: o.streaming(registry, creds, log) }),
      ...(o.bookmarkIntervalMs === undefined ? {} : { bookmarkIntervalMs: o.bookmarkIntervalMs }),
      ...(o.minRequestTimeoutSeconds === undefined ? {} : { minRequestTimeoutSeconds: o.minRequestTimeoutSeconds }),
    });
    const tls = o.insecureHttp !== true;
    // Go's http.Server reads up to 1 MiB of request line and headers (DefaultMaxHeaderBytes);
    // Node's default of 16 KiB would refuse long label selectors and URLs kube accepts.
    // A request without Host is the handler's to answer (Node would send an empty 400).
    const httpOptions = { maxHeaderSize: 1 << 20, requireHostHeader: false };
    const server = tls
      ? createHttpsServer({ ...httpOptions, key: creds.serverKey, cert: creds.serverCert })
      : createHttpServer(httpOptions);
    server.on('request', (req, res) => { handler.handle(req, res); });
    server.on('upgrade', (req, socket: Socket, head: Buffer) => { handler.handleUpgrade(req, socket, head); });
    server.on('connect', (req, socket: Socket) => { handler.handleConnect(req, socket); });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => { answerClientError(err, socket); });
    const sockets = new Set<Socket>();
    server.on(tls ? 'secureConnection' : 'connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.keepAliveTimeout = 65_000;
    // The whole request (headers and body, not the response: watches and streams run for as
    // long as they like) must arrive within a minute, as kube-apiserver's request timeout; a
    // client that promises a body and never sends it gets a 408 instead of holding a socket.
    server.requestTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    // pods reach the server through the `kubernetes` Service, i.e. on the advertise address: a
    // second listener hands its sockets to the same (TLS) server
    const extraListeners: NetServer[] = [];
    if (o.listenOnAdvertiseAddress === true && advertise !== host) {
      const extra = createNetServer((s) => { server.emit('connection', s); });
      await new Promise<void>((resolve, reject) => {
        extra.once('error', reject);
        extra.listen(port, advertise, () => { extra.off('error', reject); resolve(); });
      });
      extraListeners.push(extra);
    }
    const closeExtra: Controller = { start: () => undefined, stop: () => { for (const l of extraListeners) l.close(); } };
    // apiextensions-apiserver's controllers run in every server: CRDs get their names and conditions
    const crds = new CrdController({ registry, clock, log: log.child({ controller: 'crd' }) });
    // the serving of custom resources started with the registry: it only needs stopping
    const servingCustom = { start: (): void => undefined, stop: (): void => { customResources.stop(); } };
    // kube-apiserver's kubernetesservice controller: the `kubernetes` Service points at this server
    const kubernetesService = new KubernetesServiceController({
      registry, clock, log: log.child({ controller: 'kubernetes-service' }),
      clusterIP: kubernetesServiceIP(serviceAllocator.ips.cidr),
      port,
      address: advertise,
      ...(o.kubernetesServiceIntervalMs === undefined ? {} : { intervalMs: o.kubernetesServiceIntervalMs }),
    });
    const controllers = [...(o.controllers?.(registry, clock, log, creds) ?? []), identities, crds, servingCustom, kubernetesService, closeExtra];
    const api = new ApiServer(registry, creds, server, handler, controllers, sockets, log, serviceAllocator, host, tls);
    address = `${host}:${api.port}`;
    for (const c of controllers) c.start();
    if (o.dataDir !== undefined) {
      writeFileSync(join(o.dataDir, 'kubeconfig'), api.kubeconfig(), { mode: 0o600 });
    }
    // servingMs: since the process started (node, the loader, the modules, storage, credentials)
    log.info({ url: api.url, servingMs: Math.round(performance.now()) }, 'API server listening');
    return api;
  }

  /** An admin kubeconfig for this server. */
  kubeconfig(token = this.credentials.adminToken): string {
    return renderKubeconfig({ server: this.url, caCert: this.credentials.caCert, token });
  }

  async close(): Promise<void> {
    for (const c of this.controllers) c.stop();
    this.handler.closeWatches();
    await new Promise<void>((resolve) => {
      this.server.close(() => { resolve(); });
      for (const s of this.sockets) s.destroy();
    });
    await this.registry.storage.close();
  }
}

let cachedCa: Promise<{ cert: string; key: string }> | undefined;

/** Credentials for a server without a data dir (tests); the CA is made once per process. */
export async function inMemoryCredentials(hosts: string[] = []): Promise<ServerCredentials> {
  cachedCa ??= createCertificateAuthority();
  const ca = await cachedCa;
  const serving = await createServingCertificate(ca, { hosts });
  return {
    caCert: ca.cert,
    serverCert: serving.cert,
    serverKey: serving.key,
    adminToken: randomBytes(18).toString('base64url'),
    nodeToken: randomBytes(18).toString('base64url'),
    serviceAccountKey: createServiceAccountKey(),
  };
}

/**
 * A request Node could not parse gets a Status, not a silently closed socket: 431 for a request
 * line and headers beyond the limit, 400 for anything else malformed.
 */
const answered = new WeakSet<Duplex>();

function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // the parser reports again for bytes after the first error: the first answer stands (a destroy
  // now would drop it before it is flushed)
  if (answered.has(socket)) return;
  answered.add(socket);
  socket.on('error', () => undefined);
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // The client may still be sending: keep reading (and dropping) what it sends for a moment, so
  // closing with unread bytes does not reset the connection before it has read the answer.
  socket.resume();
  setTimeout(() => { socket.destroy(); }, 2_000).unref();
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    writeRawError(socket, new ApiError(431, 'RequestHeaderFieldsTooLarge', 'the request line and headers are larger than 1048576 bytes'));
    return;
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    writeRawError(socket, new ApiError(408, 'Timeout', 'the request was not received in time'));
    return;
  }
  writeRawError(socket, ApiError.badRequest(`malformed HTTP request: ${err.code ?? err.message}`));
}
