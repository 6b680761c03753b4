// Services end to end: the real kubectl against a nodelet with its service proxy and cluster DNS
// (startNodelet({ services: true }): API server, controller manager with the EndpointSlice
// controller, agent, proxy, DNS server), pods on the real engine reaching each other by Service
// name, FQDN and ClusterIP. The seed's myapp-pod waits in Init:0/2 until its two Services exist.
// The stack's DNS server forwards names outside the cluster domain only to a loopback port where
// nothing listens, so no test resolves an outside name. One nodelet for the file, one namespace per
// scenario.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { get } from 'node:http';
import type { Pod, Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, until } from '../lib/testing/wait.ts';
import { loadKubeconfig } from '../kube/client/kubeconfig.ts';
import { silentLogger } from '../lib/log.ts';
import { chainPrefixFor } from '../proxy/chains.ts';
import { discoverEngine, dockerFor } from '../runtime/docker/discovery.ts';
import { DOCKER_TYPE_SANDBOX, LABEL_DOCKER_TYPE, LABEL_POD_NAME, LABEL_POD_NAMESPACE } from '../runtime/labels.ts';
import { describePodStatus, startNodelet } from '../testing/nodelet.ts';
import type { StartedNodelet } from '../testing/nodelet.ts';

const BUSYBOX = 'localhost/busybox:local';
let node: StartedNodelet;

async function ok(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await node.kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} → ${String(r.code)}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok(['get', ...args, '-o', 'json'])) as T;
}

async function apply(ns: string, yaml: string): Promise<void> {
  await ok(['apply', '-n', ns, '-f', '-'], { stdin: yaml });
}

async function namespace(name: string): Promise<string> {
  await ok(['create', 'namespace', name]);
  return name;
}

const ready = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function waitReady(ns: string, selector: string, n: number, timeoutMs = 60_000): Promise<Pod[]> {
  let last: Pod[] = [];
  try {
    return await until(`${String(n)} ready pods ${selector}`, async () => {
      last = (await getJson<{ items: Pod[] }>(['pods', '-n', ns, '-l', selector])).items;
      return last.length === n && last.every(ready) ? last : undefined;
    }, timeoutMs, 250);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${last.map((p) => `${p.metadata?.name ?? ''} ${describePodStatus(p)}`).join('\n')}`, { cause: err });
  }
}

/** Runs a shell command in a pod's container; never throws on a non-zero exit. */
async function sh(ns: string, pod: string, script: string, timeoutMs = 30_000): Promise<{ code: number; out: string }> {
  const r = await node.kubectl(['exec', '-n', ns, pod, '--', 'sh', '-c', script], { timeoutMs });
  return { code: r.code, out: r.stdout + r.stderr };
}

/** A busybox httpd answering its pod's name on 8080, with an exec readiness probe on /tmp/ready. */
function backends(name: string, replicas: number, opts: { readinessFile?: boolean } = {}): string {
  const probe = opts.readinessFile === true
    ? `
          readinessProbe:
            exec: { command: ["test", "-f", "/tmp/ready"] }
            periodSeconds: 1
            failureThreshold: 1`
    : '';
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: ${String(replicas)}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: httpd
          image: ${BUSYBOX}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && touch /tmp/ready && exec httpd -f -p 8080 -h /www"]
          ports: [{ name: http, containerPort: 8080 }]${probe}
`;
}

function service(name: string, extra = ''): string {
  return `
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  selector: { app: ${name} }
  ports: [{ name: web, port: 80, targetPort: http }]${extra}
`;
}

const CLIENT = `
apiVersion: v1
kind: Pod
metadata: { name: client }
spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: sh
      image: ${BUSYBOX}
      imagePullPolicy: IfNotPresent
      command: ["sleep", "3600"]
`;

/** The distinct bodies of `count` requests from the client pod to `url`. */
async function answers(ns: string, url: string, count: number): Promise<Set<string>> {
  // busybox's own `timeout`: Debian's busybox 1.35 wget crashes (SIGSEGV) when given -T
  const r = await sh(ns, 'client', `for i in $(seq ${String(count)}); do timeout 3 wget -q -O- ${url} || echo FAIL; done`, 120_000);
  return new Set(r.out.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
}

function httpGet(url: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => { resolve(body); });
    });
    req.on('timeout', () => { req.destroy(new Error(`no answer from ${url} within ${String(timeoutMs)} ms`)); });
    req.on('error', reject);
  });
}

/** How a TCP connection from the host to ip:port ends, and how long that took. */
function tcpOutcome(ip: string, port: number, timeoutMs = 5000): Promise<{ result: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const s = connect({ host: ip, port, timeout: timeoutMs });
    const done = (result: string): void => { s.destroy(); resolve({ result, ms: Date.now() - t0 }); };
    s.on('connect', () => { done('connected'); });
    s.on('timeout', () => { done('timeout'); });
    s.on('error', (e: NodeJS.ErrnoException) => { done(e.code ?? e.message); });
  });
}

/** Runs a node script in a pod's network namespace (nsenter into its sandbox), with the cluster CA in $CA. */
async function inPodNetwork(ns: string, pod: string, script: string): Promise<string> {
  const engine = await discoverEngine(silentLogger);
  if (engine === undefined) throw new Error('no engine');
  const docker = dockerFor(engine);
  const [sandbox] = await docker.listContainers({
    filters: { label: [`${LABEL_POD_NAME}=${pod}`, `${LABEL_POD_NAMESPACE}=${ns}`, `${LABEL_DOCKER_TYPE}=${DOCKER_TYPE_SANDBOX}`] },
  });
  if (sandbox === undefined) throw new Error(`no sandbox for ${ns}/${pod}`);
  const pid = (await docker.getContainer(sandbox.Id).inspect()).State.Pid;
  return execFileSync('nsenter', [`--net=/proc/${String(pid)}/ns/net`, process.execPath, '-e', script], {
    encoding: 'utf8', timeout: 15_000, env: { ...process.env, CA: loadKubeconfig(node.kubeconfigPath).ca ?? '' },
  });
}

beforeAll(async () => {
  node = await startNodelet({ services: true, timeoutMs: 180_000 });
}, 240_000);

afterAll(async () => {
  await node.stop();
}, 120_000);

/** The seed's myapp-pod, images swapped for the local busybox; `fqdn` names the Services in full. */
function myappPod(name: string, ns: string, fqdn: boolean): string {
  const svc = (n: string): string => (fqdn ? `${n}.${ns}.svc.cluster.local` : n);
  return `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { app: myapp } }
spec:
  containers:
    - name: myapp-container
      image: ${BUSYBOX}
      imagePullPolicy: IfNotPresent
      command: ['sh', '-c', 'echo The app is running! && sleep 3600']
  initContainers:
    - name: init-myservice
      image: ${BUSYBOX}
      imagePullPolicy: IfNotPresent
      command: ['sh', '-c', 'until nslookup ${svc('myservice')}; do echo waiting for myservice; sleep 2; done;']
    - name: init-mydb
      image: ${BUSYBOX}
      imagePullPolicy: IfNotPresent
      command: ['sh', '-c', 'until nslookup ${svc('mydb')}; do echo waiting for mydb; sleep 2; done;']
`;
}

describe('the seed myapp-pod', () => {
  // busybox >= 1.29's nslookup (Debian's is 1.35) sends a short name under every search domain and
  // exits 1 when any of them is NXDOMAIN, which CoreDNS answers for myservice.svc.cluster.local and
  // myservice.cluster.local: against a real cluster too the verbatim seed never leaves its first
  // init container (docker-library/busybox#75, the reason Kubernetes' docs pinned busybox:1.28).
  // So the verbatim pod shows its lookups succeeding, and its twin with the names written in full
  // (busybox's documented workaround) walks Init:0/2 → Init:1/2 → Running.
  it('stays Init:0/2 until Services myservice and mydb exist, then runs', async () => {
    const ns = await namespace('demo');
    await apply(ns, myappPod('myapp-pod', ns, false) + '---' + myappPod('myapp-pod-fqdn', ns, true));
    const status = async (pod: string): Promise<string> => (await ok(['get', 'pod', pod, '-n', ns, '--no-headers'])).split(/\s+/)[2] ?? '';
    for (const pod of ['myapp-pod', 'myapp-pod-fqdn']) {
      await until(`${pod} in its first init container`, async () => (await status(pod)) === 'Init:0/2' ? true : undefined, 60_000, 250);
    }
    await new Promise((r) => setTimeout(r, 5000));
    for (const pod of ['myapp-pod', 'myapp-pod-fqdn']) {
      expect(await status(pod)).toBe('Init:0/2');
      const log = await ok(['logs', pod, '-n', ns, '-c', 'init-myservice']);
      expect(log).toContain('waiting for myservice');
      expect(log).toContain(`can't find myservice.${ns}.svc.cluster.local: NXDOMAIN`);
    }

    await apply(ns, 'apiVersion: v1\nkind: Service\nmetadata: { name: myservice }\nspec:\n  ports: [{ protocol: TCP, port: 80, targetPort: 9376 }]\n');
    const ip = (await getJson<Service>(['service', 'myservice', '-n', ns])).spec?.clusterIP ?? '-';
    await until('myapp-pod-fqdn Init:1/2', async () => (await status('myapp-pod-fqdn')) === 'Init:1/2' ? true : undefined, 30_000, 250);
    await until('the verbatim pod resolves myservice through its search path', async () => {
      const log = await ok(['logs', 'myapp-pod', '-n', ns, '-c', 'init-myservice']);
      return log.includes(`Name:\tmyservice.${ns}.svc.cluster.local\nAddress: ${ip}`) ? true : undefined;
    }, 30_000, 500);
    await apply(ns, 'apiVersion: v1\nkind: Service\nmetadata: { name: mydb }\nspec:\n  ports: [{ protocol: TCP, port: 80, targetPort: 9377 }]\n');
    await until('myapp-pod-fqdn Running', async () => (await status('myapp-pod-fqdn')) === 'Running' ? true : undefined, 30_000, 250);
    expect(await ok(['logs', 'myapp-pod-fqdn', '-n', ns])).toContain('The app is running!');
    expect(await status('myapp-pod')).toBe('Init:0/2');
    const events = await ok(['get', 'events', '-n', ns]);
    expect(events).not.toContain('MissingClusterDNS');
  }, 150_000);
});

describe('a Deployment behind a Service', () => {
  it('is reached by Service name, FQDN and ClusterIP, on both backends, from the host too, and the pod sees the Service variables and reaches the API server', async () => {
    const ns = await namespace('reach');
    await apply(ns, backends('web', 2) + '---' + service('web') + '---' + CLIENT);
    const pods = await waitReady(ns, 'app=web', 2);
    await waitReady(ns, '!app', 1);
    const svc = await getJson<Service>(['service', 'web', '-n', ns]);
    const ip = svc.spec?.clusterIP ?? '';
    expect(ip).toMatch(/^10\.\d+\.\d+\.\d+$/);
    const names = new Set(pods.map((p) => p.metadata?.name ?? ''));
    for (const url of ['http://web', `http://web.${ns}.svc.cluster.local`, `http://${ip}`]) {
      await until(`both backends through ${url}`, async () => {
        const seen = await answers(ns, url, 16);
        return [...names].every((n) => seen.has(n)) ? true : undefined;
      }, 30_000, 200);
    }
    // and from the node itself, as `curl <ClusterIP>` on a real node
    await until('the ClusterIP answers the host', async () => (names.has((await httpGet(`http://${ip}/`).catch(() => '')).trim()) ? true : undefined), 10_000, 100);
    const env = (await sh(ns, 'client', 'env')).out;
    expect(env).toContain(`WEB_SERVICE_HOST=${ip}`);
    expect(env).toContain('WEB_SERVICE_PORT=80');
    expect(env).toContain('KUBERNETES_SERVICE_HOST=');
    // the `kubernetes` Service reaches the API server from the pod's network, and its certificate
    // names kubernetes.default.svc (busybox's own TLS client cannot talk to an ECDSA certificate,
    // so node's runs in the pod's network namespace; anonymous /version is allowed, as on kubeadm)
    const apiIP = (await getJson<Service>(['service', 'kubernetes', '-n', 'default'])).spec?.clusterIP ?? '';
    const version = await inPodNetwork(ns, 'client', `
      require('node:https').get({ host: ${JSON.stringify(apiIP)}, path: '/version', servername: 'kubernetes.default.svc', ca: process.env.CA }, (res) => {
        let b = ''; res.on('data', (c) => { b += c; }); res.on('end', () => { process.stdout.write(b); });
      }).on('error', (e) => { process.stdout.write(String(e)); });`);
    expect(version).toContain('"gitVersion"');
    const resolv = (await sh(ns, 'client', 'cat /etc/resolv.conf')).out;
    expect(resolv).toContain(`search ${ns}.svc.cluster.local svc.cluster.local cluster.local`);
    expect(resolv).toContain('options ndots:5');
  }, 150_000);

  it('stops sending traffic to a pod that turns unready within its probe period', async () => {
    const ns = await namespace('unready');
    await apply(ns, backends('web', 2, { readinessFile: true }) + '---' + service('web') + '---' + CLIENT);
    const pods = await waitReady(ns, 'app=web', 2);
    await waitReady(ns, '!app', 1);
    const [gone, stays] = pods.map((p) => p.metadata?.name ?? '') as [string, string];
    await until('both backends', async () => ((await answers(ns, 'http://web', 12)).size === 2 ? true : undefined), 30_000, 200);
    await ok(['exec', '-n', ns, gone, '--', 'rm', '/tmp/ready']);
    const t0 = Date.now();
    await until(`${gone} NotReady and out of the slice`, async () => {
      const slices = await getJson<{ items: EndpointSlice[] }>(['endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=web']);
      const ep = slices.items.flatMap((s) => s.endpoints).find((e) => e.targetRef?.name === gone);
      return ep?.conditions?.ready === false ? true : undefined;
    }, 10_000, 100);
    // period 1 s, failure threshold 1: within a few seconds every new connection goes to the other
    await until('only the ready backend answers', async () => {
      const seen = await answers(ns, 'http://web', 12);
      return seen.size === 1 && seen.has(stays) ? true : undefined;
    }, 10_000, 100);
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 150_000);

  it('refuses a Service without endpoints at once, from a pod and from the host', async () => {
    const ns = await namespace('empty');
    await apply(ns, service('nothing') + '---' + CLIENT);
    await waitReady(ns, '!app', 1);
    const ip = (await getJson<Service>(['service', 'nothing', '-n', ns])).spec?.clusterIP ?? '';
    await until('a REJECT rule for the empty Service', async () => {
      const o = await tcpOutcome(ip, 80, 3000);
      return o.result === 'ECONNREFUSED' ? o : undefined;
    }, 10_000, 200);
    const fromHost = await tcpOutcome(ip, 80);
    expect(fromHost.result).toBe('ECONNREFUSED');
    expect(fromHost.ms).toBeLessThan(1000);
    const t0 = Date.now();
    const r = await sh(ns, 'client', 'timeout 10 wget -q -O- http://nothing');
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/refused/i);
    expect(Date.now() - t0).toBeLessThan(5000);
  }, 120_000);
});

describe('from the host', () => {
  it('answers on a NodePort and on a hostPort at 127.0.0.1', async () => {
    const ns = await namespace('ports');
    const hostPort = await freePort();
    await apply(ns, backends('web', 1) + '---' + service('web', '\n  type: NodePort') + `---
apiVersion: v1
kind: Pod
metadata: { name: hp, labels: { role: hp } }
spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: httpd
      image: ${BUSYBOX}
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", "mkdir -p /www && echo hostport > /www/index.html && exec httpd -f -p 8080 -h /www"]
      ports: [{ containerPort: 8080, hostPort: ${String(hostPort)} }]
`);
    const [pod] = await waitReady(ns, 'app=web', 1);
    await waitReady(ns, 'role=hp', 1);
    const svc = await getJson<Service>(['service', 'web', '-n', ns]);
    const nodePort = svc.spec?.ports?.[0]?.nodePort ?? 0;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(await ok(['get', 'service', 'web', '-n', ns])).toContain(`80:${String(nodePort)}/TCP`);
    await until('the NodePort answers on 127.0.0.1', async () => (await httpGet(`http://127.0.0.1:${String(nodePort)}/`).catch(() => '')).trim() === pod?.metadata?.name ? true : undefined, 15_000, 200);
    await until('the hostPort answers on 127.0.0.1', async () => (await httpGet(`http://127.0.0.1:${String(hostPort)}/`).catch(() => '')).trim() === 'hostport' ? true : undefined, 15_000, 200);
  }, 120_000);
});

describe('a StatefulSet behind its headless Service', () => {
  it('is reachable as web-0.web.<ns>.svc.cluster.local', async () => {
    const ns = await namespace('stateful');
    await apply(ns, `
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  clusterIP: None
  selector: { app: web }
  ports: [{ name: http, port: 8080 }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: web }
spec:
  serviceName: web
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: httpd
          image: ${BUSYBOX}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"]
          ports: [{ name: http, containerPort: 8080 }]
---
${CLIENT}`);
    const [pod] = await waitReady(ns, 'app=web', 1);
    await waitReady(ns, '!app', 1);
    const fqdn = `web-0.web.${ns}.svc.cluster.local`;
    await until(`${fqdn} resolves to the pod`, async () => {
      const r = await sh(ns, 'client', `nslookup ${fqdn}`);
      return r.code === 0 && r.out.includes(pod?.status?.podIP ?? '-') ? true : undefined;
    }, 20_000, 250);
    expect((await answers(ns, `http://${fqdn}:8080`, 1)).has('web-0')).toBe(true);
  }, 120_000);
});

describe('a restart of the service proxy', () => {
  it('drops no connection: rules stay while it is down, and the new one rewrites them without duplicates', async () => {
    const ns = await namespace('proxy-restart');
    await apply(ns, backends('web', 1) + '---' + service('web'));
    const [pod] = await waitReady(ns, 'app=web', 1);
    const ip = (await getJson<Service>(['service', 'web', '-n', ns])).spec?.clusterIP ?? '';
    await until('the ClusterIP answers', async () => ((await httpGet(`http://${ip}/`).catch(() => '')).trim() === pod?.metadata?.name ? true : undefined), 10_000, 100);
    // a connection established through the ClusterIP before the kill, used after it
    const socket = connect({ host: ip, port: 80 });
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    const pidFile = `${node.stateDir}/proxy.pid`;
    const pid = Number(execFileSync('cat', [pidFile], { encoding: 'utf8' }).trim());
    process.kill(pid, 'SIGKILL');
    await until('the proxy is gone', () => Promise.resolve(existsSync(`/proc/${String(pid)}`) ? undefined : true), 5000, 50);
    const reply = new Promise<string>((resolve) => {
      let body = '';
      socket.on('data', (c: Buffer) => { body += c.toString(); });
      socket.on('close', () => { resolve(body); });
    });
    socket.end('GET / HTTP/1.0\r\n\r\n');
    expect(await reply).toContain(pod?.metadata?.name ?? '-');
    expect((await httpGet(`http://${ip}/`)).trim()).toBe(pod?.metadata?.name);
    await node.ensureUp();
    const prefix = chainPrefixFor(execFileSync('cat', [`${node.stateDir}/service-cidr`], { encoding: 'utf8' }).trim());
    const jumps = execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('-A PREROUTING ') && l.includes(`-j ${prefix}SERVICES`));
    expect(jumps).toHaveLength(1);
    expect((await httpGet(`http://${ip}/`)).trim()).toBe(pod?.metadata?.name);
  }, 120_000);
});

describe('stopping', () => {
  it('leaves no proxy rule and no route behind', async () => {
    const other = await startNodelet({ services: true, timeoutMs: 180_000 });
    let stopped = false;
    try {
      await other.kubectl(['create', 'service', 'clusterip', 'x', '--tcp=80:8080']);
      const cidr = execFileSync('cat', [`${other.stateDir}/service-cidr`], { encoding: 'utf8' }).trim();
      const routes = (): string => execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
      expect(routes()).toContain(`${cidr} dev lo`);
      const prefix = chainPrefixFor(cidr);
      const ours = (): string[] => execFileSync('iptables-save', { encoding: 'utf8' }).split('\n').filter((l) => l.includes(prefix) || l.includes(cidr));
      await until('the proxy wrote its rules', () => Promise.resolve(ours().length > 0 ? true : undefined), 10_000, 100);
      await other.stop();
      stopped = true;
      expect(routes()).not.toContain(cidr);
      expect(ours()).toEqual([]);
    } finally {
      if (!stopped) await other.stop();
    }
  }, 240_000);
});
