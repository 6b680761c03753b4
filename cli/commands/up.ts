// `nodelet up` / `nodelet down`: the one command a new user runs. Brings up the engine and images
// if needed, starts the API server and one agent for this machine in the background (pid files and
// logs under .run/), waits until the node is Ready and prints how to use kubectl. Idempotent:
// starts only what is not running. `down` stops both and removes the containers nodelet created.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Node } from 'kubernetes-types/core/v1.d.ts';
import type { ApiClient, ResourceType } from '../../kube/client/client.ts';
import { ensureCredentials } from '../../apiserver/pki.ts';
import { defaultAdvertiseAddress, inClusterCertificateHosts } from '../../apiserver/advertise.ts';
import {
  DEFAULT_CLUSTER_DOMAIN, DEFAULT_DNS_PORT, DEFAULT_SERVICE_CIDR, kubeDnsServiceIP, kubernetesServiceIP, parseCidr, type Cidr,
} from '../../kube/cluster-network.ts';
import { daemon, runningPid, startDaemon, stopDaemon, type Daemon } from '../../lib/daemon.ts';
import { NodeletError } from '../../lib/errors.ts';
import { PROJECT_ROOT, stateDir } from '../../lib/paths.ts';

export interface UpOptions {
  port: number;
  nodeName: string;
  kubeletPort: number;
  /** The agent's local /healthz, /pods, /metrics port. */
  healthzPort: number;
  /** The controller manager's local /healthz, /readyz, /metrics port. */
  controllerManagerPort: number;
  /** Services on the node: the service proxy and the cluster DNS server (and the agent's --cluster-dns). */
  services?: ServicesOptions;
  timeoutMs: number;
}

export interface ServicesOptions {
  /** The API server's --service-cluster-ip-range; the proxy swallows all of it. */
  serviceCidr: string;
  /** Where the DNS server listens on the node's address. */
  dnsPort: number;
  /** The proxy's local /healthz port. */
  proxyHealthzPort: number;
  /** The DNS server's local /healthz, /readyz port. */
  dnsHealthzPort: number;
  /** Where names outside the cluster go (`none`: nowhere); default the host's resolvers. */
  dnsUpstreams?: string[];
}

/** Which service CIDR this state dir's proxy programmed, for `down` to remove exactly its rules. */
const SERVICE_CIDR_FILE = 'service-cidr';

/** How often the waits below look again (all local: a refused connection costs microseconds). */
const POLL_MS = 20;

interface Limit {
  deadline: number;
  timeoutMs: number;
}

async function waitFor<T>(what: string, limit: Limit, logFile: string, probe: () => Promise<T | undefined>): Promise<T> {
  let last: unknown;
  while (Date.now() < limit.deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw timeout(what, limit, logFile, last);
}

function timeout(what: string, limit: Limit, logFile: string, last?: unknown): NodeletError {
  const why = last instanceof Error ? `: ${last.message}` : '';
  return new NodeletError('up.timeout', `${what} did not happen within ${String(limit.timeoutMs / 1000)}s${why}; see ${logFile}`);
}

/** The last lines of a log, for an error message. */
function logTail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `  ${l.slice(0, 400)}`).join('\n');
  } catch {
    return '';
  }
}

/**
 * Rejects as soon as the daemon is gone (e.g. its port was taken), so `up` fails at once with
 * its log instead of waiting out the timeout; stops looking when `stop` aborts.
 */
function failWhenGone(d: Daemon, stop: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const timer = setInterval(() => {
      if (runningPid(d) !== undefined) return;
      clearInterval(timer);
      reject(new NodeletError('up.exited', `the ${d.name} exited while starting; the end of ${d.logFile}:\n${logTail(d.logFile)}`));
    }, 100);
    stop.addEventListener('abort', () => { clearInterval(timer); }, { once: true });
  });
}

/** Ready=True, and when `since` is given reported at or after it (not left over from an earlier agent). */
function nodeReady(node: Node, since: number | undefined): boolean {
  const c = node.status?.conditions?.find((x) => x.type === 'Ready');
  if (c?.status !== 'True') return false;
  return since === undefined || Date.parse(c.lastHeartbeatTime ?? '') >= Math.floor(since / 1000) * 1000;
}

function httpGet(url: string, timeoutMs: number, socketPath?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs, ...(socketPath === undefined ? {} : { socketPath }) }, (res) => {
      res.resume();
      res.on('end', () => { resolve(res.statusCode ?? 0); });
    });
    req.on('timeout', () => { req.destroy(new Error(`no answer within ${String(timeoutMs)} ms`)); });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Whether the engine the agent will find answers right now, without loading the Docker client:
 * the usual case (DOCKER_HOST unset or a unix socket) lets the agent start at once, beside the
 * engine and image checks. Anything else waits for setup first.
 */
async function engineAnswers(): Promise<boolean> {
  const host = process.env['DOCKER_HOST'];
  const socket = host === undefined || host === '' ? '/var/run/docker.sock' : host.startsWith('unix://') ? host.slice(7) : undefined;
  if (socket === undefined || !existsSync(socket)) return false;
  try {
    return (await httpGet('http://docker/_ping', 1000, socket)) === 200;
  } catch {
    return false;
  }
}

async function setupEngineAndImages(): Promise<void> {
  await (await import('./setup.ts')).setupEngineAndImages();
}

/**
 * What `up` needs once the daemons are on their way: loaded after they were started, so that
 * they wait only for this file's few imports (the logger, YAML and the client take ~60 ms).
 */
async function loadRest(): Promise<{
  createLogger: typeof import('../../lib/log.ts').createLogger;
  renderKubeconfig: typeof import('../../apiserver/kubeconfig.ts').renderKubeconfig;
  client: typeof import('../../kube/client/client.ts');
}> {
  const [log, render, client] = await Promise.all([
    import('../../lib/log.ts'), import('../../apiserver/kubeconfig.ts'), import('../../kube/client/client.ts'),
  ]);
  return { createLogger: log.createLogger, renderKubeconfig: render.renderKubeconfig, client };
}

/**
 * The agent's kubeconfig, in the shape renderKubeconfig writes but as JSON (which is YAML, for
 * the agent and kubectl alike), so it is written and the agent started before YAML is loaded.
 */
function kubeconfigJson(o: { server: string; caCert: string; token: string; user: string }): string {
  return `${JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'nodelet', cluster: { server: o.server, 'certificate-authority-data': Buffer.from(o.caCert).toString('base64') } }],
    users: [{ name: o.user, user: { token: o.token } }],
    contexts: [{ name: 'nodelet', context: { cluster: 'nodelet', user: o.user, namespace: 'default' } }],
    'current-context': 'nodelet',
    preferences: {},
  }, null, 2)}\n`;
}

/** Waits until the node is Ready, watching it (the API server must answer first). */
async function watchNodeReady(admin: ApiClient, NODES: ResourceType, nodeName: string, since: number | undefined, limit: Limit, logFile: string): Promise<void> {
  const signal = AbortSignal.timeout(Math.max(0, limit.deadline - Date.now()));
  for await (const ev of admin.listWatch<Node>(NODES, undefined, { fieldSelector: `metadata.name=${nodeName}`, signal })) {
    if (ev.type !== 'DELETED' && nodeReady(ev.object, since)) return;
  }
  throw timeout(`node ${nodeName} Ready`, limit, logFile);
}

export async function up(o: UpOptions): Promise<{ kubeconfig: string }> {
  const startedAt = Date.now();
  const limit: Limit = { deadline: startedAt + o.timeoutMs, timeoutMs: o.timeoutMs };
  const t = (): number => Date.now() - startedAt;
  const state = stateDir();
  const apiDir = join(state, 'apiserver');
  const api = daemon(state, 'apiserver');
  const agent = daemon(state, 'agent');
  const controllers = daemon(state, 'controller-manager');
  const adminKubeconfig = join(apiDir, 'kubeconfig');

  // The credentials first (EC keys; ~0.2 s on a first start, which loads the certificate
  // library), so the agent's kubeconfig exists before the API server answers and both daemons
  // load at the same time. The API server finds them and keeps them. One already running has its
  // own, on its own port.
  const running = runningPid(api) !== undefined && existsSync(adminKubeconfig);
  // the hosts the API server asks for with its default --host (else it would make another cert)
  // With Services, pods reach the server through the `kubernetes` Service: it also listens on the
  // node's address and its certificate names that address and kubernetes.default.svc.
  const serviceCidr = o.services?.serviceCidr ?? DEFAULT_SERVICE_CIDR;
  const inCluster = o.services === undefined ? [] : inClusterCertificateHosts(defaultAdvertiseAddress('127.0.0.1'), kubernetesServiceIP(cidrOf(serviceCidr)));
  const creds = running ? undefined : await ensureCredentials(apiDir, { hosts: ['127.0.0.1', ...inCluster] });
  const a = startDaemon(api, [
    'apiserver', '--data-dir', apiDir, '--port', String(o.port), '--service-cluster-ip-range', serviceCidr,
    ...(o.services === undefined ? [] : ['--listen-advertise-address']),
  ]);
  const spawnedMs = Math.round(performance.now());

  let conn: { server: string; caCert: string; adminToken: string; nodeToken: string };
  if (creds === undefined) {
    const admin = (await import('../../kube/client/kubeconfig.ts')).loadKubeconfig(adminKubeconfig);
    conn = {
      server: admin.server, caCert: admin.ca ?? '', adminToken: admin.token ?? '',
      nodeToken: readFileSync(join(apiDir, 'node-token'), 'utf8').trim(),
    };
  } else {
    conn = { server: `https://127.0.0.1:${String(o.port)}`, caCert: creds.caCert, adminToken: creds.adminToken, nodeToken: creds.nodeToken };
  }
  const nodeKubeconfig = join(state, 'node.kubeconfig');
  // The agent authenticates with the node token, not the admin's.
  writeFileSync(nodeKubeconfig, kubeconfigJson({
    server: conn.server, caCert: conn.caCert, token: conn.nodeToken, user: `system:node:${o.nodeName}`,
  }), { mode: 0o600 });

  // The controller manager is one more API client, with the admin's credentials (upstream gives it
  // its own identity and per-controller service accounts; nodelet's RBAC would allow that later).
  // Its leader-election identity is fixed per state dir, so after a kill -9 the restarted one takes
  // its Lease back at once instead of waiting out the lease.
  const controllersKubeconfig = join(state, 'controller-manager.kubeconfig');
  writeFileSync(controllersKubeconfig, kubeconfigJson({
    server: conn.server, caCert: conn.caCert, token: conn.adminToken, user: 'system:kube-controller-manager',
  }), { mode: 0o600 });
  const c = startDaemon(controllers, [
    'controller-manager', '--kubeconfig', controllersKubeconfig, '--port', String(o.controllerManagerPort),
    '--leader-elect', '--identity', `nodelet-${o.nodeName}`,
  ]);

  // The service proxy and the DNS server: API clients too, with the admin's credentials for now.
  const svc = o.services === undefined ? undefined : startServices(state, conn, o.nodeName, o.services);

  const startAgent = (): { pid: number; started: boolean } => startDaemon(agent, [
    'agent',
    '--kubeconfig', nodeKubeconfig,
    '--node-name', o.nodeName,
    '--root-dir', join(state, 'agent'),
    '--manifests', join(state, 'manifests'),
    '--port', String(o.kubeletPort),
    '--healthz-port', String(o.healthzPort),
    ...(o.services === undefined ? [] : ['--cluster-dns', kubeDnsIP(serviceCidr), '--cluster-domain', DEFAULT_CLUSTER_DOMAIN]),
  ]);
  // A warm engine: the agent starts now and the engine/image checks run beside it. Otherwise the
  // engine comes first (setup may start dockerd), then the agent.
  let g = await engineAnswers() ? startAgent() : undefined;

  const { createLogger, renderKubeconfig, client: { ApiClient, NODES } } = await loadRest();
  const log = createLogger('up');
  log.info({ pid: a.pid, started: a.started, sinceProcessStartMs: spawnedMs }, 'apiserver');
  log.info({ pid: c.pid, started: c.started, ms: t() }, 'controller-manager');
  if (g !== undefined) log.info({ pid: g.pid, started: g.started, ms: t() }, 'agent');
  const setup = setupEngineAndImages().then(() => { log.info({ ms: t() }, 'engine and images checked'); });
  // no unhandled rejection while the waits below run; awaited at the end
  setup.catch(() => undefined);

  const admin = new ApiClient({ server: conn.server, ca: conn.caCert, token: conn.adminToken, retryDelayMs: POLL_MS });
  const done = new AbortController();
  try {
    const apiGone = failWhenGone(api, done.signal);
    apiGone.catch(() => undefined); // raced below; no unhandled rejection meanwhile
    const apiReady = waitFor('API server ready', limit, api.logFile, async () => {
      await admin.list(NODES, undefined, { limit: 1 });
      log.info({ ms: t() }, 'API server answers');
      return true;
    });
    if (g === undefined) {
      await setup;
      g = startAgent();
      log.info({ pid: g.pid, started: g.started, ms: t() }, 'agent');
    }
    const started = g.started;
    // the Node may still look Ready from an agent that died (its lease has not expired): wait for
    // this agent's own health endpoint, and for a Ready status it reported (when it is new)
    const healthy = waitFor('agent healthy', limit, agent.logFile, async () => {
      const ok = (await httpGet(`http://127.0.0.1:${String(o.healthzPort)}/healthz`, 2000)) === 200 ? true : undefined;
      if (ok) log.info({ ms: t() }, 'agent healthy');
      return ok;
    });
    // ready once its caches synced (which needs the API server) and its workers run
    const controllersReady = waitFor('controller manager ready', limit, controllers.logFile, async () => {
      const ok = (await httpGet(`http://127.0.0.1:${String(o.controllerManagerPort)}/readyz`, 2000)) === 200 ? true : undefined;
      if (ok) log.info({ ms: t() }, 'controller manager ready');
      return ok;
    });
    const servicesReady = svc === undefined ? [] : [
      waitFor('service proxy healthy', limit, svc.proxy.logFile, async () => {
        const ok = (await httpGet(`http://127.0.0.1:${String(svc.proxyHealthzPort)}/healthz`, 2000)) === 200 ? true : undefined;
        if (ok) log.info({ ms: t() }, 'service proxy healthy');
        return ok;
      }),
      waitFor('DNS server ready', limit, svc.dns.logFile, async () => {
        const ok = (await httpGet(`http://127.0.0.1:${String(svc.dnsHealthzPort)}/readyz`, 2000)) === 200 ? true : undefined;
        if (ok) log.info({ ms: t() }, 'DNS server ready');
        return ok;
      }),
    ];
    const servicesGone = svc === undefined ? [] : [failWhenGone(svc.proxy, done.signal), failWhenGone(svc.dns, done.signal)];
    const ready = apiReady.then(() => watchNodeReady(admin, NODES, o.nodeName, started ? startedAt : undefined, limit, agent.logFile))
      .then(() => { log.info({ ms: t() }, 'node Ready'); });
    await Promise.race([
      Promise.all([apiReady, healthy, ready, controllersReady, setup, ...servicesReady]), apiGone, failWhenGone(agent, done.signal), failWhenGone(controllers, done.signal), ...servicesGone,
    ]);
  } finally {
    done.abort();
    admin.close();
  }

  const kubeconfig = join(state, 'kubeconfig');
  writeFileSync(kubeconfig, renderKubeconfig({ server: conn.server, caCert: conn.caCert, token: conn.adminToken }), { mode: 0o600 });
  writeFileSync(join(state, 'node-name'), o.nodeName);
  return { kubeconfig };
}

function cidrOf(serviceCidr: string): Cidr {
  const cidr = parseCidr(serviceCidr);
  if (cidr === undefined) throw new NodeletError('up.flags', `--service-cidr ${serviceCidr}: not an IPv4 CIDR`);
  return cidr;
}

function kubeDnsIP(serviceCidr: string): string {
  return kubeDnsServiceIP(cidrOf(serviceCidr));
}

/** Starts the service proxy and the DNS server for this state dir (each only if not running). */
function startServices(state: string, conn: { server: string; caCert: string; adminToken: string }, nodeName: string, o: ServicesOptions): ServicesOptions & { proxy: Daemon; dns: Daemon } {
  const proxy = daemon(state, 'proxy');
  const dns = daemon(state, 'dns');
  writeFileSync(join(state, SERVICE_CIDR_FILE), o.serviceCidr);
  const kubeconfig = (file: string, user: string): string => {
    const path = join(state, file);
    writeFileSync(path, kubeconfigJson({ server: conn.server, caCert: conn.caCert, token: conn.adminToken, user }), { mode: 0o600 });
    return path;
  };
  startDaemon(proxy, [
    'proxy', '--kubeconfig', kubeconfig('proxy.kubeconfig', 'system:kube-proxy'), '--node-name', nodeName,
    '--service-cidr', o.serviceCidr, '--healthz-port', String(o.proxyHealthzPort),
  ]);
  startDaemon(dns, [
    'dns', '--kubeconfig', kubeconfig('dns.kubeconfig', 'system:serviceaccount:kube-system:coredns'),
    '--port', String(o.dnsPort), '--cluster-domain', DEFAULT_CLUSTER_DOMAIN, '--service-cidr', o.serviceCidr,
    '--healthz-port', String(o.dnsHealthzPort),
    ...(o.dnsUpstreams === undefined ? [] : ['--upstream', ...o.dnsUpstreams]),
  ]);
  return { ...o, proxy, dns };
}

/**
 * Stops every daemon of a state dir, the controllers first (they would make new pods), then the
 * agent, so it does not restart anything while the containers go; then removes the proxy's rules
 * and route (kept while it is down, as kube-proxy's, so a restart drops no traffic).
 */
export async function stopDaemons(state: string, log?: { info: (o: object, m: string) => void }): Promise<void> {
  for (const name of ['controller-manager', 'agent', 'dns', 'proxy', 'apiserver']) {
    const d = daemon(state, name);
    if (await stopDaemon(d)) log?.info({ daemon: name }, 'stopped');
  }
  const cidrFile = join(state, SERVICE_CIDR_FILE);
  if (existsSync(cidrFile)) {
    const [{ cleanupProxy }, { defaultProxyStateFile }] = await Promise.all([import('../../proxy/cleanup.ts'), import('../../proxy/node-setup.ts')]);
    // the proxy kept route_localnet's old value in its state dir (the daemon's NODELET_STATE_DIR)
    await cleanupProxy({ serviceCidr: readFileSync(cidrFile, 'utf8').trim(), stateFile: defaultProxyStateFile(state) });
    rmSync(cidrFile, { force: true });
    log?.info({}, 'removed the service proxy\'s rules and route');
  }
}

export async function down(opts: { engine?: boolean } = {}): Promise<void> {
  const log = (await import('../../lib/log.ts')).createLogger('down');
  const state = stateDir();
  await stopDaemons(state, log);
  const nodeFile = join(state, 'node-name');
  const { dockerFor, discoverEngine } = await import('../../runtime/docker/discovery.ts');
  const { removeManagedContainers } = await import('../../runtime/docker/cleanup.ts');
  const engine = await discoverEngine(log);
  if (engine !== undefined && existsSync(nodeFile)) {
    // Only this node's containers: tests or other agents on the same engine keep theirs.
    const removed = await removeManagedContainers(dockerFor(engine), readFileSync(nodeFile, 'utf8').trim());
    log.info({ removed }, 'removed containers nodelet created');
  }
  if (opts.engine === true) await (await import('../../runtime/docker/local-engine.ts')).stopLocalEngine(state, log);
}

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run nodelet: engine and images if needed, the API server and an agent for this machine')
    .option('--port <port>', 'API server HTTPS port', '6443')
    .option('--node-name <name>', 'name of this node', hostname().toLowerCase())
    .option('--kubelet-port <port>', 'the agent\'s streaming port (logs/exec/attach)', '10250')
    .option('--healthz-port <port>', 'the agent\'s local /healthz, /pods, /metrics port', '10248')
    .option('--controller-manager-port <port>', 'the controller manager\'s local /healthz, /readyz, /metrics port', '10257')
    .option('--no-services', 'run no service proxy and no cluster DNS server')
    .option('--service-cidr <cidr>', 'the Service IP range (routed to a local blackhole: no Service IP leaves the machine)', DEFAULT_SERVICE_CIDR)
    .option('--dns-port <port>', 'the cluster DNS server\'s port on the node\'s address', String(DEFAULT_DNS_PORT))
    .option('--proxy-healthz-port <port>', 'the service proxy\'s local /healthz port', '10256')
    .option('--dns-healthz-port <port>', 'the DNS server\'s local /healthz, /readyz port', '10054')
    .option('--dns-upstream <servers...>', 'ip[:port] for names outside the cluster, or "none" (default: the host\'s resolvers)')
    .option('--timeout <seconds>', 'how long to wait for the node to become Ready', '60')
    .action(async (opts: {
      port: string; nodeName: string; kubeletPort: string; healthzPort: string; controllerManagerPort: string; timeout: string;
      services: boolean; serviceCidr: string; dnsPort: string; proxyHealthzPort: string; dnsHealthzPort: string; dnsUpstream?: string[];
    }) => {
      if (parseCidr(opts.serviceCidr) === undefined) throw new NodeletError('up.flags', `--service-cidr ${opts.serviceCidr}: not an IPv4 CIDR`);
      const { kubeconfig } = await up({
        ...(opts.services ? {
          services: {
            serviceCidr: opts.serviceCidr, dnsPort: Number(opts.dnsPort),
            proxyHealthzPort: Number(opts.proxyHealthzPort), dnsHealthzPort: Number(opts.dnsHealthzPort),
            ...(opts.dnsUpstream === undefined ? {} : { dnsUpstreams: opts.dnsUpstream }),
          },
        } : {}),
        port: Number(opts.port),
        nodeName: opts.nodeName,
        kubeletPort: Number(opts.kubeletPort),
        healthzPort: Number(opts.healthzPort),
        controllerManagerPort: Number(opts.controllerManagerPort),
        timeoutMs: Number(opts.timeout) * 1000,
      });
      const running = ['apiserver', 'controller-manager', 'agent', ...(opts.services ? ['proxy', 'dns'] : [])].map((n) => `${n} (pid ${String(runningPid(daemon(stateDir(), n)))})`).join(', ');
      process.stdout.write([
        `nodelet is up: ${running}; node ${opts.nodeName} is Ready.`,
        '',
        `  export KUBECONFIG=${kubeconfig}`,
        '  kubectl get nodes',
        `  kubectl apply -f ${join(PROJECT_ROOT, 'examples/two-containers.yaml')}`,
        '  kubectl get pods -w',
        '',
        `Logs: ${['apiserver', 'controller-manager', 'agent', ...(opts.services ? ['proxy', 'dns'] : [])].map((n) => join(stateDir(), `${n}.log`)).join(', ')}. Stop with: make down`,
        '',
      ].join('\n'));
    });

  program
    .command('down')
    .description('stop the API server and agent that `nodelet up` started and remove the containers nodelet created')
    .option('--engine', 'also stop the Docker engine if nodelet started it')
    .action(async (opts: { engine?: boolean }) => {
      await down(opts);
      process.stdout.write('nodelet is down (data kept under .run/ until `make clean`)\n');
    });
}
