// Every probe row of upstream container_probe.go that busybox can express, on the real stack
// (API server + agent + Docker engine) through the public test library. All pods are applied at
// once in beforeAll with periodSeconds 1, so the waits below overlap; each test watches its pod
// until the condition holds. The "never" rows (never Ready, never restarted) are observed through a
// watch over a bounded window — seconds, not upstream's minutes, but many probe periods long.
import type { Container, Pod, PodSpec, Probe } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../lib/testing/wait.ts';
import { describePodStatus, startNodelet } from '../testing/nodelet.ts';
import type { PodRecorder, StartedNodelet } from '../testing/nodelet.ts';

const BUSYBOX = 'localhost/busybox:local';
/** How long the "never" rows are watched: ≥ 6 probe periods after the pods run. */
const NEVER_WINDOW_MS = 7_000;
let node: StartedNodelet;
/** Every version of every pod, from a watch started before the pods were applied. */
let recorder: PodRecorder | undefined;
const historyOf = (name: string): Pod[] => recorder?.historyOf(name) ?? [];

function pod(name: string, container: Container, spec: Partial<PodSpec> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 2, containers: [container], ...spec } };
}

/** Runs the script, then idles until SIGTERM. */
const sh = (script: string, probes: Pick<Container, 'readinessProbe' | 'livenessProbe' | 'startupProbe'>): Container => ({
  name: 'c', image: BUSYBOX, command: ['sh', '-c', `${script}\ntrap 'exit 0' TERM; while true; do sleep 1; done`], ...probes,
});
/**
 * An exec probe, period 1 s, failureThreshold 1. Timeout 5 s like upstream's exec liveness rows: on
 * a loaded 2-core machine a `docker exec` can take more than the 1 s default, and a timeout is a
 * failure; the timeout rows set 1 s themselves.
 */
const exec = (cmd: string, extra: Partial<Probe> = {}): Probe => ({ exec: { command: ['sh', '-c', cmd] }, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 1, ...extra });
/** HTTP GET / TCP on :8080, period 1 s, timeout 5 s, failureThreshold 1. */
const httpGet = (path: string): Probe => ({ httpGet: { path, port: 8080 }, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 1 });
const tcp = (port: number): Probe => ({ tcpSocket: { port }, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 1 });
/** busybox httpd on :8080 serving /www (index.html and healthz exist; anything else is a 404). */
const HTTPD = 'mkdir -p /www; echo ok > /www/index.html; echo ok > /www/healthz; httpd -p 8080 -h /www';
/**
 * An exec probe whose every second run fails (S F S F …): never two failures in a row, never two
 * successes in a row. Each probe keeps its own counter file.
 */
const alternating = (file: string, extra: Partial<Probe>): Probe => exec(`n=$(cat ${file} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${file}; [ $((n % 2)) -eq 1 ]`, extra);

const PODS_UNDER_TEST: Pod[] = [
  // readiness
  pod('ready-exec-ok', sh('', { readinessProbe: exec('true') })),
  pod('ready-exec-fail', sh('', { readinessProbe: exec('false') })),
  pod('ready-http-ok', sh(HTTPD, { readinessProbe: httpGet('/') })),
  pod('ready-http-404', sh(HTTPD, { readinessProbe: httpGet('/missing') })),
  pod('ready-exec-timeout', sh('', { readinessProbe: exec('sleep 10', { timeoutSeconds: 1 }) })),
  pod('ready-delay', sh('', { readinessProbe: exec('true', { initialDelaySeconds: 6 }) })),
  pod('thresholds', sh('', {
    // successThreshold 2 is never met and failureThreshold 2 is never reached by S F S F …
    readinessProbe: alternating('/tmp/ready-n', { successThreshold: 2 }),
    livenessProbe: alternating('/tmp/live-n', { failureThreshold: 2 }),
  })),
  // liveness
  pod('live-exec-fail', sh('echo ok > /tmp/health; sleep 2; rm -f /tmp/health', { livenessProbe: exec('cat /tmp/health') })),
  pod('live-exec-ok', sh('echo ok > /tmp/health', { livenessProbe: exec('cat /tmp/health') })),
  pod('live-exec-timeout', sh('', { livenessProbe: exec('sleep 10', { timeoutSeconds: 1 }) })),
  pod('live-exec-bg', sh('', { livenessProbe: exec('sleep 10 & exit 1', { timeoutSeconds: 1 }) })),
  pod('live-tcp-closed', sh('', { livenessProbe: tcp(8081) })),
  pod('live-tcp-open', sh(HTTPD, { livenessProbe: tcp(8080) })),
  pod('live-http-ok', sh(HTTPD, { livenessProbe: httpGet('/healthz') })),
  pod('live-grpc-closed', sh('', { livenessProbe: { grpc: { port: 2333 }, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 1 } })),
  pod('live-http-404', sh(HTTPD, { livenessProbe: httpGet('/missing') })),
  // startup
  pod('startup-fail', sh('', {
    startupProbe: exec('false', { failureThreshold: 3 }), livenessProbe: exec('true'), readinessProbe: exec('true'),
  })),
  pod('startup-late', sh('sleep 4; touch /tmp/started', {
    startupProbe: exec('cat /tmp/started', { failureThreshold: 60 }),
    // a 30 s period: only the run the agent triggers when startup succeeds can make it Ready in time
    readinessProbe: exec('true', { periodSeconds: 30 }),
  })),
  pod('startup-gates-liveness', sh('', { startupProbe: exec('false', { failureThreshold: 600 }), livenessProbe: exec('false') })),
  pod('startup-then-liveness', sh('sleep 3; touch /tmp/started', { startupProbe: exec('cat /tmp/started', { failureThreshold: 60 }), livenessProbe: exec('false') })),
];

const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const restarts = (p: Pod): number => p.status?.containerStatuses?.[0]?.restartCount ?? 0;
const running = (p: Pod): boolean => p.status?.containerStatuses?.[0]?.state?.running !== undefined;
const seconds = (t: string | undefined): number => Date.parse(t ?? '') / 1000;



/** Waits for a restart (restartCount ≥ 1), checking on every update that the pod was never Ready when `neverReady`. */
async function waitForRestart(name: string, opts: { neverReady?: boolean } = {}): Promise<Pod> {
  const p = await node.waitForPod(name, (x) => restarts(x) >= 1, { timeoutMs: 90_000 });
  if (opts.neverReady === true) expect(historyOf(name).filter(isReady).map(describePodStatus), `${name} was Ready`).toEqual([]);
  expect(p.status?.phase).toBe('Running');
  return p;
}

/**
 * Waits until the named pods run, lets NEVER_WINDOW_MS pass, and returns every status recorded for
 * each since it was applied (plus its current one), so a test can assert what never happened.
 */
async function observe(names: string[]): Promise<Map<string, Pod[]>> {
  await Promise.all(names.map((n) => node.waitForPod(n, (p) => running(p), { timeoutMs: 90_000 })));
  await new Promise((r) => setTimeout(r, NEVER_WINDOW_MS));
  return new Map(await Promise.all(names.map(async (n): Promise<[string, Pod[]]> => [n, [...historyOf(n), await node.getPod(n)]])));
}


beforeAll(async () => {
  node = await startNodelet({ nodeName: `e2e-probes-${String(process.pid)}` });
  recorder = node.recordPods();
  await node.apply(PODS_UNDER_TEST);
}, 180_000);

afterAll(async () => {
  await recorder?.stop();
  await (node as StartedNodelet | undefined)?.stop();
}, 120_000);

describe('readiness', () => {
  it('exec readiness succeeding: Ready, no restarts', async () => {
    const p = await node.waitForPod('ready-exec-ok', 'Ready', { timeoutMs: 90_000 });
    expect(p.status?.phase).toBe('Running');
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ ready: true, started: true, restartCount: 0 });
    expect(p.status?.conditions?.find((c) => c.type === 'ContainersReady')?.status).toBe('True');
  });

  it('HTTP readiness against httpd: Ready, no restarts', async () => {
    const p = await node.waitForPod('ready-http-ok', 'Ready', { timeoutMs: 90_000 });
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ ready: true, restartCount: 0 });
  });

  it('initialDelaySeconds: not Ready before the delay after the container started', async () => {
    const p = await node.waitForPod('ready-delay', 'Ready', { timeoutMs: 90_000 });
    const startedAt = seconds(p.status?.containerStatuses?.[0]?.state?.running?.startedAt);
    const readyAt = seconds(p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime);
    // upstream: Ready.lastTransitionTime − startedAt ≥ initialDelaySeconds (both at 1 s resolution)
    expect(readyAt - startedAt).toBeGreaterThanOrEqual(6);
    expect(restarts(p)).toBe(0);
  });

  it('failing readiness (exec false, HTTP 404, exec timeout) and an unmet successThreshold: never Ready, never restarted', async () => {
    const names = ['ready-exec-fail', 'ready-http-404', 'ready-exec-timeout', 'thresholds'];
    const seen = await observe(names);
    for (const n of names) {
      const statuses = seen.get(n) ?? [];
      const last = statuses.at(-1);
      expect(statuses.filter(isReady).map(describePodStatus), `${n} was Ready`).toEqual([]);
      expect(statuses.filter((x) => restarts(x) > 0).map(describePodStatus), `${n} was restarted`).toEqual([]);
      expect(last?.status?.phase).toBe('Running');
      expect(last?.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: true, restartCount: 0 });
      expect(last?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
        status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [c]',
      });
    }
    await node.waitForEvent('ready-exec-fail', 'Unhealthy', { message: /^Readiness probe failed/ });
    await node.waitForEvent('ready-http-404', 'Unhealthy', { message: /^Readiness probe failed: HTTP probe failed with statuscode: 404$/ });
    await node.waitForEvent('ready-exec-timeout', 'Unhealthy', { message: /^Readiness probe (failed|errored).*timed out/ });
  });
});

describe('liveness', () => {
  it('exec liveness failing (cat /tmp/health after rm): restarted, Unhealthy and Killing events', async () => {
    const p = await waitForRestart('live-exec-fail');
    expect(p.status?.containerStatuses?.[0]?.lastState?.terminated).toBeDefined();
    await node.waitForEvent('live-exec-fail', 'Unhealthy', { message: /^Liveness probe failed: cat: can't open '\/tmp\/health'/ });
    await node.waitForEvent('live-exec-fail', 'Killing', { message: /^Container c failed liveness probe, will be restarted$/ });
  });

  it('TCP liveness on a closed port: restarted', async () => {
    await waitForRestart('live-tcp-closed');
    await node.waitForEvent('live-tcp-closed', 'Unhealthy', { message: /^Liveness probe failed: dial tcp [\d.]+:8081: connect: connection refused$/ });
    await node.waitForEvent('live-tcp-closed', 'Killing', { message: /failed liveness probe, will be restarted/ });
  });

  it('HTTP liveness on a 404 path: restarted', async () => {
    await waitForRestart('live-http-404');
    await node.waitForEvent('live-http-404', 'Unhealthy', { message: /^Liveness probe failed: HTTP probe failed with statuscode: 404$/ });
    await node.waitForEvent('live-http-404', 'Killing', { message: /failed liveness probe, will be restarted/ });
  });

  it('gRPC liveness on a port nothing listens on: restarted', async () => {
    await waitForRestart('live-grpc-closed');
    await node.waitForEvent('live-grpc-closed', 'Unhealthy', { message: /^Liveness probe failed/ });
    await node.waitForEvent('live-grpc-closed', 'Killing', { message: /^Container c failed liveness probe, will be restarted$/ });
  });

  it('exec liveness with timeoutSeconds 1 and a command that sleeps 10 s: a failure, restarted', async () => {
    await waitForRestart('live-exec-timeout');
    await node.waitForEvent('live-exec-timeout', 'Unhealthy', { message: /^Liveness probe (failed|errored).*timed out/ });
    await node.waitForEvent('live-exec-timeout', 'Killing', { message: /failed liveness probe, will be restarted/ });
  });

  it('exec liveness that fails but leaves a child holding its output (sleep 10 & exit 1): restarted', async () => {
    await waitForRestart('live-exec-bg');
    await node.waitForEvent('live-exec-bg', 'Killing', { message: /failed liveness probe, will be restarted/ });
  });

  it('passing liveness (exec, TCP on an open port, HTTP 200) and a failureThreshold never reached: not restarted', async () => {
    const names = ['live-exec-ok', 'live-tcp-open', 'live-http-ok', 'thresholds'];
    const seen = await observe(names);
    for (const n of names) {
      const statuses = seen.get(n) ?? [];
      const probeEvents = (await node.events(n)).map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
      expect(statuses.filter((x) => restarts(x) > 0 || x.status?.containerStatuses?.[0]?.lastState?.terminated !== undefined).map(describePodStatus), `${n} was restarted; events ${JSON.stringify(probeEvents)}`).toEqual([]);
      expect(statuses.at(-1)?.status?.phase).toBe('Running');
      expect(running(statuses.at(-1) ?? {})).toBe(true);
    }
    // the thresholds pod did fail liveness probes, just never twice in a row
    await node.waitForEvent('thresholds', 'Unhealthy', { message: /^Liveness probe failed/ });
    for (const n of names) expect((await node.events(n)).filter((e) => e.reason === 'Killing').map((e) => e.message)).toEqual([]);
  });
});

describe('startup', () => {
  it('a failing startup probe: restarted, never started, never Ready', async () => {
    const p = await waitForRestart('startup-fail', { neverReady: true });
    expect(p.status?.containerStatuses?.[0]?.started).toBe(false);
    await node.waitForEvent('startup-fail', 'Unhealthy', { message: /^Startup probe failed/ });
    await node.waitForEvent('startup-fail', 'Killing', { message: /^Container c failed startup probe, will be restarted$/ });
  });

  it('a startup probe succeeding after a delay: started, then readiness makes it Ready at once', async () => {
    const p = await node.waitForPod('startup-late', 'Ready', { timeoutMs: 90_000 });
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ started: true, ready: true, restartCount: 0 });
    // the recorder's watch may be a moment behind waitForPod's
    await until('the recorder to see startup-late Ready', () => Promise.resolve(historyOf('startup-late').some(isReady)), 10_000, 100);
    const seen = recorder?.sightings('startup-late') ?? [];
    const started = (x: Pod): boolean => x.status?.containerStatuses?.[0]?.started === true;
    // running but not started while the startup probe failed; never Ready before started
    expect(seen.some((h) => running(h.pod) && !started(h.pod))).toBe(true);
    expect(seen.filter((h) => isReady(h.pod) && !started(h.pod)).map((h) => describePodStatus(h.pod))).toEqual([]);
    // readiness has a 30 s period: Ready this soon after Started means it ran when startup succeeded
    const startedAt = seen.find((h) => started(h.pod))?.at ?? 0;
    const readyAt = seen.find((h) => isReady(h.pod))?.at ?? Infinity;
    expect(readyAt - startedAt).toBeLessThan(20_000);
  });

  it('a startup probe still failing holds liveness back: no restart from a failing liveness probe', async () => {
    const seen = await observe(['startup-gates-liveness']);
    const statuses = seen.get('startup-gates-liveness') ?? [];
    expect(statuses.filter((x) => restarts(x) > 0).map(describePodStatus)).toEqual([]);
    expect(statuses.at(-1)?.status?.containerStatuses?.[0]).toMatchObject({ started: false, ready: false, restartCount: 0 });
    expect((await node.events('startup-gates-liveness')).filter((e) => /^Liveness probe/.test(e.message ?? ''))).toEqual([]);
  });

  it('once the startup probe succeeds, a failing liveness probe restarts the container', async () => {
    await node.waitForPod('startup-then-liveness', (x) => x.status?.containerStatuses?.[0]?.started === true || restarts(x) > 0, { timeoutMs: 90_000 });
    await waitForRestart('startup-then-liveness');
    await node.waitForEvent('startup-then-liveness', 'Killing', { message: /^Container c failed liveness probe, will be restarted$/ });
  });
});
