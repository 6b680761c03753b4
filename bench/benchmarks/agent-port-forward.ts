// Port-forward as a user runs it: `nodelet up` (host processes, through startNodelet()), a pod
// serving a 100 MB file with busybox httpd, and the real `kubectl port-forward` in both of its
// transports (the WebSocket tunnel kubectl 1.32 uses by default, and plain SPDY/3.1). Per run:
// - throughput: one GET of the 100 MB file through each forward; peer: the same GET straight to
//   the pod IP (same client, same server, same run; order rotates per run);
// - set-up: a fresh TCP connection and a GET of a 1-byte file (each forwarded connection opens
//   two SPDY streams and a connection inside the pod's netns); peer: the same to the pod IP.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { performance } from 'node:perf_hooks';
import { startNodelet, type StartedNodelet } from '../../testing/nodelet.ts';
import { SkipBenchmark, type Benchmark, type Sample } from '../framework/types.ts';

const SIZE_MB = 100;
const SETUP_ROUNDS = 20;

interface Forward {
  port: number;
  child: ChildProcessWithoutNullStreams;
}

/** Starts `kubectl port-forward` on a free local port; resolves once it says it forwards. */
function forward(node: StartedNodelet, env: Record<string, string>): Promise<Forward> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['port-forward', '--address', '127.0.0.1', 'pod/pf-bench', ':8080'], {
      env: { ...process.env, KUBECONFIG: node.kubeconfigPath, ...env },
    });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`kubectl port-forward did not start: ${out}`)); }, 15_000);
    const onData = (c: Buffer): void => {
      out += c.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), child });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`kubectl port-forward exited (${String(code)}): ${out}`)); });
  });
}

/** GETs path on a new connection; resolves with the bytes read and the time from connect to the last byte. */
function fetchOnce(host: string, port: number, path: string): Promise<{ bytes: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = httpGet({ host, port, path, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => { resolve({ bytes, ms: performance.now() - t0 }); });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(120_000, () => { req.destroy(new Error(`GET ${path} timed out`)); });
  });
}

const MB = 1024 * 1024;

export const agentPortForward: Benchmark = {
  id: 'agent.port-forward',
  group: 'agent',
  title: `kubectl port-forward (WebSocket tunnel, SPDY): ${String(SIZE_MB)} MB GET and connection set-up vs the pod IP`,
  runs: 5,
  metrics: [
    { key: 'ws.mbps', label: `${String(SIZE_MB)} MB through port-forward (WebSocket)`, unit: 'MB/s', better: 'higher', peer: 'direct.mbps', target: { kind: 'ratio', op: '>=', value: 0.8 } },
    { key: 'spdy.mbps', label: `${String(SIZE_MB)} MB through port-forward (SPDY)`, unit: 'MB/s', better: 'higher', peer: 'direct.mbps', target: { kind: 'ratio', op: '>=', value: 0.8 } },
    { key: 'direct.mbps', label: `${String(SIZE_MB)} MB straight to the pod IP`, unit: 'MB/s', better: 'higher', peerOnly: true },
    { key: 'ws.setup', label: 'new connection + 1-byte GET (WebSocket)', unit: 'ms', better: 'lower', peer: 'direct.setup' },
    { key: 'spdy.setup', label: 'new connection + 1-byte GET (SPDY)', unit: 'ms', better: 'lower', peer: 'direct.setup' },
    { key: 'direct.setup', label: 'new connection + 1-byte GET to the pod IP', unit: 'ms', better: 'lower', peerOnly: true },
  ],
  async open(ctx) {
    let node: StartedNodelet;
    try {
      node = await startNodelet({ nodeName: ctx.nodeName });
    } catch (err) {
      throw new SkipBenchmark(`nodelet did not start: ${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)}`);
    }
    const forwards: Forward[] = [];
    const close = async (): Promise<void> => {
      for (const f of forwards) f.child.kill('SIGKILL');
      await node.stop();
    };
    try {
      await node.apply(`apiVersion: v1
kind: Pod
metadata: {name: pf-bench}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: web
    image: localhost/busybox:local
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'mkdir -p /www && head -c ${String(SIZE_MB * MB)} /dev/urandom > /www/big && echo -n x > /www/small && exec httpd -f -p 8080 -h /www']
    readinessProbe: {httpGet: {path: /small, port: 8080}, periodSeconds: 1}
`);
      const pod = await node.waitForPod('pf-bench', 'Ready', { timeoutMs: 60_000 });
      const podIp = pod.status?.podIP ?? '';
      if (podIp === '') throw new Error('the pod has no IP');
      const ws = await forward(node, {});
      forwards.push(ws);
      const spdy = await forward(node, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
      forwards.push(spdy);
      ctx.note(`agent.port-forward: nodelet up (host processes) with the agent's host path (the relay enters the pod's netns); a ${String(SIZE_MB)} MB random file served by busybox httpd; one kubectl port-forward per transport kept open for the session; set-up = median of ${String(SETUP_ROUNDS)} fresh connections per run; the order of direct / WebSocket / SPDY rotates per run`);
      const targets = [
        { key: 'direct', host: podIp, port: 8080 },
        { key: 'ws', host: '127.0.0.1', port: ws.port },
        { key: 'spdy', host: '127.0.0.1', port: spdy.port },
      ];
      return {
        async iterate(i) {
          const sample: Sample = {};
          const order = targets.map((_, k) => targets[(k + Math.abs(i)) % targets.length]!);
          for (const t of order) {
            const r = await fetchOnce(t.host, t.port, '/big');
            if (r.bytes !== SIZE_MB * MB) throw new Error(`${t.key}: read ${String(r.bytes)} bytes of ${String(SIZE_MB * MB)}`);
            sample[`${t.key}.mbps`] = r.bytes / MB / (r.ms / 1000);
            const setups: number[] = [];
            for (let k = 0; k < SETUP_ROUNDS; k++) setups.push((await fetchOnce(t.host, t.port, '/small')).ms);
            setups.sort((a, b) => a - b);
            sample[`${t.key}.setup`] = setups[Math.floor(setups.length / 2)]!;
          }
          return sample;
        },
        close,
      };
    } catch (err) {
      await close();
      throw err;
    }
  },
};
