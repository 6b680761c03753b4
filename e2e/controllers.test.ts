// The workload controllers end to end: the real kubectl against `nodelet up` (API server, controller
// manager, one agent on the real Docker engine), the way a user drives them. The seeds' example
// manifests reach their goal; a Deployment rolls, rolls back, restarts, pauses and scales without
// ever dropping below replicas - maxUnavailable Ready pods or going above replicas + maxSurge
// (watches started before each change record every version of every pod and ReplicaSet; see
// replayRollout for what exactly is bounded); ReplicaSets heal, adopt, release and cascade; a
// kill -9 of the controller manager mid-rollout neither duplicates nor loses pods; DaemonSet and
// StatefulSet updates. One nodelet for the file, one namespace per scenario.
// The example StatefulSet's claim template needs the agent to mount persistentVolumeClaim volumes;
// until it does, its two tests fail at once with the agent's FailedMount reason.
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.d.ts';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { Lease } from 'kubernetes-types/coordination/v1.d.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASES, PODS } from '../kube/client/client.ts';
import type { ApiClient, KubeObject, ResourceType } from '../kube/client/client.ts';
import { silentLogger } from '../lib/log.ts';
import { PROJECT_ROOT } from '../lib/paths.ts';
import { until } from '../lib/testing/wait.ts';
import { discoverEngine, dockerFor } from '../runtime/docker/discovery.ts';
import {
  DOCKER_TYPE_CONTAINER, LABEL_CONTAINER_NAME, LABEL_DOCKER_TYPE, LABEL_NODE_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE,
} from '../runtime/labels.ts';
import { describePodStatus, startNodelet } from '../testing/nodelet.ts';
import type { StartedNodelet } from '../testing/nodelet.ts';

const BUSYBOX = 'localhost/busybox:local';
const REPLICASETS: ResourceType = { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true };
let node: StartedNodelet;

// ---- kubectl -------------------------------------------------------------------------------------

async function ok(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await node.kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} → ${String(r.code)}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok(['get', ...args, '-o', 'json'])) as T;
}

async function rolloutStatus(what: string, ns: string, timeoutS = 120): Promise<string> {
  return ok(['rollout', 'status', what, '-n', ns, `--timeout=${String(timeoutS)}s`], { timeoutMs: (timeoutS + 10) * 1000 });
}

/** The revision numbers `kubectl rollout history` lists. */
async function history(what: string, ns: string): Promise<number[]> {
  const out = await ok(['rollout', 'history', what, '-n', ns]);
  return out.split('\n').map((l) => /^(\d+)\s/.exec(l)?.[1]).filter((v): v is string => v !== undefined).map(Number);
}

// ---- pods ------------------------------------------------------------------------------------------

const ready = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const active = (p: Pod): boolean => p.metadata?.deletionTimestamp == null && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
const envOf = (p: Pod, name: string): string | undefined => p.spec?.containers[0]?.env?.find((e) => e.name === name)?.value;
const nameOf = (o: KubeObject): string => o.metadata?.name ?? '';
const hashOf = (p: Pod): string => p.metadata?.labels?.['pod-template-hash'] ?? '';

async function pods(ns: string, selector: string): Promise<Pod[]> {
  return (await getJson<{ items: Pod[] }>(['pods', '-n', ns, '-l', selector])).items;
}

async function activePods(ns: string, selector: string): Promise<Pod[]> {
  return (await pods(ns, selector)).filter(active);
}

const summary = (list: Pod[]): string => list.map((p) => `${nameOf(p)} ${describePodStatus(p)}`).join('\n');

/** Polls until exactly `n` pods match, none terminating, all Ready; returns them. */
async function waitReadyPods(ns: string, selector: string, n: number, extra: (p: Pod[]) => boolean = () => true, timeoutMs = 60_000): Promise<Pod[]> {
  let last: Pod[] = [];
  try {
    return await until(`${String(n)} ready pods ${selector} in ${ns}`, async () => {
      last = await pods(ns, selector);
      return last.length === n && last.every((p) => active(p) && ready(p)) && extra(last) ? last : undefined;
    }, timeoutMs, 300);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${summary(last)}\n${node.controllerManagerLogTail(10)}`, { cause: err });
  }
}

/** The web server every test workload runs: says what it serves, answers on :80, stops on SIGTERM at once. */
const SERVE = 'echo "serving VERSION=$VERSION on $(hostname)"; mkdir -p /www; echo "$VERSION $(hostname)" > /www/index.html; '
  + 'trap \'exit 0\' TERM; httpd -f -p 80 -h /www & wait';

function template(labels: Record<string, string>, version = 'v1'): { metadata: { labels: Record<string, string> }; spec: object } {
  return {
    metadata: { labels },
    spec: {
      terminationGracePeriodSeconds: 5,
      containers: [{
        name: 'app', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', SERVE],
        env: [{ name: 'VERSION', value: version }],
        ports: [{ containerPort: 80, name: 'http' }],
        // readiness matters: a new pod counts as available a moment after it runs, not at once
        readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 1, periodSeconds: 1 },
      }],
    },
  };
}

// ---- a watch that records every version, in resourceVersion order --------------------------------

interface Sighting<T> { type: string; object: T; rv: number }

class Timeline<T extends KubeObject> {
  readonly events: Sighting<T>[] = [];
  readonly synced: Promise<void>;
  /** How many events the first list delivered (the state when the watch started). */
  initial = 0;
  private listed = false;
  private readonly ac = new AbortController();
  private readonly done: Promise<void>;

  constructor(client: ApiClient, r: ResourceType, ns: string) {
    let listed = (): void => undefined;
    this.synced = new Promise((resolve) => { listed = resolve; });
    this.done = (async () => {
      const onListed = (): void => {
        if (!this.listed) this.initial = this.events.length;
        this.listed = true;
        listed();
      };
      for await (const ev of client.listWatch<T>(r, ns, { signal: this.ac.signal, onListed })) {
        this.events.push({ type: ev.type, object: ev.object, rv: Number(ev.object.metadata?.resourceVersion ?? '0') });
      }
    })().catch(() => undefined);
  }

  /** Every version of one object, oldest first. */
  of(name: string): Sighting<T>[] {
    return this.events.filter((e) => nameOf(e.object) === name);
  }

  names(filter: (o: T) => boolean = () => true): Set<string> {
    return new Set(this.events.filter((e) => filter(e.object)).map((e) => nameOf(e.object)));
  }

  /** The latest version of each object after the first `upTo` events. */
  state(upTo = this.events.length): Map<string, T> {
    const m = new Map<string, T>();
    for (const e of this.events.slice(0, upTo)) {
      if (e.type === 'DELETED') m.delete(nameOf(e.object));
      else m.set(nameOf(e.object), e.object);
    }
    return m;
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.done;
  }
}

interface Rollout {
  /** The fewest Ready (non-terminating) pods at any moment. */
  minReady: number;
  /** The largest sum of the ReplicaSets' spec.replicas: what the Deployment controller bounds by maxSurge. */
  maxSpecSum: number;
  /** The most non-terminating pods, counting only those within their ReplicaSet's spec.replicas. */
  maxWithinSpec: number;
  /** The most non-terminating pods, counting all (see the comment in replayRollout). */
  maxActive: number;
  /** Pods created while their ReplicaSet already had spec.replicas pods: a duplicate. */
  overCreated: string[];
  whenMinReady: string;
  whenMaxSpecSum: string;
  whenMaxWithinSpec: string;
  whenMaxActive: string;
}

/**
 * Replays the recorded pods and ReplicaSets of app `app` in resourceVersion order (one global
 * revision orders both watches) from the moment both watches had listed, and measures each moment.
 *
 * Why not only "non-terminating pods <= replicas + maxSurge": upstream's Deployment controller bounds
 * the sum of its ReplicaSets' spec.replicas, not pods. When it scales the old ReplicaSet down and
 * then the new one up, the old one's pod deletions and the new one's creation race (two
 * ReplicaSet syncs), so for a moment a pod the old ReplicaSet was told to remove can still be
 * there beside the new pod (seen here, e.g. 8 pods for 6 + 1 after a controller-manager restart).
 * What must hold is: the spec sum never exceeds replicas + maxSurge, no ReplicaSet ever creates a
 * pod beyond its spec.replicas, and pods beyond replicas + maxSurge are only ones their ReplicaSet
 * was already told to remove.
 */
function replayRollout(pods: Timeline<Pod>, sets: Timeline<ReplicaSet>, app: string): Rollout {
  const mine = (o: KubeObject): boolean => o.metadata?.labels?.['app'] === app;
  const fromRv = Math.max(...pods.events.slice(0, pods.initial).map((e) => e.rv), ...sets.events.slice(0, sets.initial).map((e) => e.rv), 0);
  type Change = { rv: number; type: string; pod: Pod; rs?: undefined } | { rv: number; type: string; pod?: undefined; rs: ReplicaSet };
  const merged: Change[] = [
    ...pods.events.map((e): Change => ({ rv: e.rv, type: e.type, pod: e.object })),
    ...sets.events.map((e): Change => ({ rv: e.rv, type: e.type, rs: e.object })),
  ].sort((a, b) => a.rv - b.rv);
  const podMap = new Map<string, Pod>();
  const rsMap = new Map<string, ReplicaSet>();
  const out: Rollout = {
    minReady: Infinity, maxSpecSum: 0, maxWithinSpec: 0, maxActive: 0, overCreated: [],
    whenMinReady: '', whenMaxSpecSum: '', whenMaxWithinSpec: '', whenMaxActive: '',
  };
  const ownerOf = (p: Pod): string => p.metadata?.ownerReferences?.find((o) => o.controller === true)?.name ?? '';
  for (const e of merged) {
    const isNew = e.pod !== undefined && !podMap.has(nameOf(e.pod));
    if (e.pod !== undefined) {
      if (e.type === 'DELETED') podMap.delete(nameOf(e.pod));
      else if (mine(e.pod) || podMap.has(nameOf(e.pod))) podMap.set(nameOf(e.pod), e.pod);
    } else if (e.type === 'DELETED') {
      rsMap.delete(nameOf(e.rs));
    } else if (mine(e.rs)) {
      rsMap.set(nameOf(e.rs), e.rs);
    }
    if (e.rv <= fromRv) continue;
    const live = [...podMap.values()].filter((p) => mine(p) && active(p));
    const byRs = new Map<string, number>();
    for (const p of live) byRs.set(ownerOf(p), (byRs.get(ownerOf(p)) ?? 0) + 1);
    const spec = (rs: string): number => rsMap.get(rs)?.spec?.replicas ?? 0;
    const specSum = [...rsMap.values()].reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
    const withinSpec = [...byRs].reduce((n, [rs, count]) => n + Math.min(count, spec(rs)), 0);
    const readyCount = live.filter(ready).length;
    const show = (): string => `rv ${String(e.rv)}: ${[...rsMap.values()].map((rs) => `${nameOf(rs)}=${String(rs.spec?.replicas)}`).join(' ')} | `
      + live.map((p) => `${nameOf(p)}${ready(p) ? '(ready)' : ''}`).join(' ');
    if (e.pod !== undefined && isNew && mine(e.pod) && active(e.pod) && (byRs.get(ownerOf(e.pod)) ?? 0) > spec(ownerOf(e.pod))) {
      out.overCreated.push(`${nameOf(e.pod)} at ${show()}`);
    }
    if (readyCount < out.minReady) { out.minReady = readyCount; out.whenMinReady = show(); }
    if (specSum > out.maxSpecSum) { out.maxSpecSum = specSum; out.whenMaxSpecSum = show(); }
    if (withinSpec > out.maxWithinSpec) { out.maxWithinSpec = withinSpec; out.whenMaxWithinSpec = show(); }
    if (live.length > out.maxActive) { out.maxActive = live.length; out.whenMaxActive = show(); }
  }
  return out;
}

/** Asserts a rolling update's bounds over the recorded history (see replayRollout). */
function expectRollingBounds(r: Rollout, replicas: number, maxSurge: number, maxUnavailable: number): void {
  expect(r.minReady, `fewest Ready at ${r.whenMinReady}`).toBeGreaterThanOrEqual(replicas - maxUnavailable);
  expect(r.maxSpecSum, `largest spec.replicas sum at ${r.whenMaxSpecSum}`).toBeLessThanOrEqual(replicas + maxSurge);
  expect(r.maxWithinSpec, `most pods within spec at ${r.whenMaxWithinSpec} (most pods in all: ${String(r.maxActive)} at ${r.whenMaxActive})`)
    .toBeLessThanOrEqual(replicas + maxSurge);
  expect(r.overCreated, 'pods created beyond their ReplicaSet\'s spec.replicas').toEqual([]);
}

async function namespace(ns: string): Promise<void> {
  await ok(['create', 'namespace', ns]);
}

async function dropNamespace(ns: string): Promise<void> {
  await node.kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--timeout=60s'], { timeoutMs: 70_000 });
}

beforeAll(async () => {
  node = await startNodelet({ nodeName: `e2e-controllers-${String(process.pid)}` });
}, 180_000);

afterAll(async () => {
  await (node as StartedNodelet | undefined)?.stop();
}, 120_000);

// ---- 1. the seeds' examples ------------------------------------------------------------------------

describe('the seed examples (examples/*.yaml) through kubectl apply', () => {
  const example = (f: string): string => join(PROJECT_ROOT, 'examples', f);

  afterAll(async () => {
    for (const f of ['replicaset.yaml', 'deployment.yaml', 'daemonset.yaml', 'statefulset.yaml']) {
      await node.kubectl(['delete', '-f', example(f), '--ignore-not-found', '--timeout=60s'], { timeoutMs: 70_000 });
    }
    await node.kubectl(['delete', 'pvc', '-n', 'default', '--all', '--timeout=30s']);
  }, 120_000);

  it('ReplicaSet nginx-rs: 3/3 Ready, each pod serving HTTP on :80', async () => {
    expect(await ok(['apply', '-f', example('replicaset.yaml')])).toMatch(/replicaset.apps\/nginx-rs created/);
    await ok(['wait', 'rs/nginx-rs', '--for=jsonpath={.status.readyReplicas}=3', '--timeout=60s'], { timeoutMs: 70_000 });
    expect(await ok(['get', 'rs', 'nginx-rs', '--no-headers'])).toMatch(/^nginx-rs\s+3\s+3\s+3\s/);
    const list = await activePods('default', 'app=nginx');
    expect(list).toHaveLength(3);
    for (const p of list) {
      expect(p.metadata?.ownerReferences).toMatchObject([{ kind: 'ReplicaSet', name: 'nginx-rs', controller: true }]);
      const res = await fetch(`http://${p.status?.podIP ?? ''}:80/`, { signal: AbortSignal.timeout(5000) });
      expect(await res.text()).toBe(`hello from ${nameOf(p)}\n`);
    }
  });

  it('Deployment nginx-deploy: rollout status succeeds, 3/3 available', async () => {
    await ok(['apply', '-f', example('deployment.yaml')]);
    expect(await rolloutStatus('deployment/nginx-deploy', 'default', 60)).toMatch(/deployment "nginx-deploy" successfully rolled out/);
    expect(await ok(['get', 'deployment', 'nginx-deploy', '--no-headers'])).toMatch(/^nginx-deploy\s+3\/3\s+3\s+3\s/);
    expect(await activePods('default', 'app=nginx-deploy')).toHaveLength(3);
  });

  it('DaemonSet nginx-ds: one pod, on this node, rollout status succeeds', async () => {
    await ok(['apply', '-f', example('daemonset.yaml')]);
    expect(await rolloutStatus('daemonset/nginx-ds', 'default', 60)).toMatch(/daemon set "nginx-ds" successfully rolled out/);
    const list = await activePods('default', 'k8s-app=nginx');
    expect(list.map((p) => p.spec?.nodeName)).toEqual([node.nodeName]);
  });

  it('StatefulSet web: web-0, web-1, web-2 created in order, each after the one before is Ready, with PVCs www-web-N', async () => {
    const t = new Timeline<Pod>(node.client, PODS, 'default');
    try {
      await t.synced;
      await ok(['apply', '-f', example('statefulset.yaml')]);
      // fail at once with the agent's reason when web-0 cannot start, rather than at the timeout
      const mountFailed = node.waitForEvent('web-0', 'FailedMount', { timeoutMs: 90_000 }).then((e) => {
        throw new Error(`web-0 cannot start: ${e.reason ?? ''}: ${e.message ?? ''}`);
      }, () => new Promise<never>(() => undefined));
      await Promise.race([rolloutStatus('statefulset/web', 'default', 90), mountFailed]);
      const created = (n: string): number => t.of(n)[0]?.rv ?? -1;
      const readyAt = (n: string): number => t.of(n).find((e) => ready(e.object))?.rv ?? Infinity;
      expect(created('web-0')).toBeGreaterThan(0);
      expect(created('web-1')).toBeGreaterThan(readyAt('web-0'));
      expect(created('web-2')).toBeGreaterThan(readyAt('web-1'));
      const list = await activePods('default', 'app=nginx-sts');
      expect(list.map((p) => [nameOf(p), p.spec?.hostname, p.spec?.subdomain]).sort()).toEqual([
        ['web-0', 'web-0', 'nginx'], ['web-1', 'web-1', 'nginx'], ['web-2', 'web-2', 'nginx'],
      ]);
      const pvcs = (await getJson<{ items: PersistentVolumeClaim[] }>(['pvc', '-n', 'default'])).items.map(nameOf).sort();
      expect(pvcs).toEqual(['www-web-0', 'www-web-1', 'www-web-2']);
    } finally {
      await t.stop();
    }
  });

  it('StatefulSet web scaled down to 2: web-2 goes, its PVC www-web-2 stays; scaled back, web-2 finds its data', async () => {
    const web = await getJson<StatefulSet>(['statefulset', 'web', '-n', 'default']);
    if (web.status?.readyReplicas !== 3) throw new Error(`needs the example StatefulSet up (3 Ready), has ${String(web.status?.readyReplicas ?? 0)}`);
    const page = await ok(['exec', '-n', 'default', 'web-2', '--', 'cat', '/www/index.html']);
    expect(page).toMatch(/^hello from web-2, first started /);
    const firstUid = (await getJson<Pod>(['pod', 'web-2', '-n', 'default'])).metadata?.uid;
    await ok(['scale', 'statefulset/web', '--replicas=2']);
    await waitReadyPods('default', 'app=nginx-sts', 2, (l) => l.map(nameOf).sort().join() === 'web-0,web-1');
    const pvcs = (await getJson<{ items: PersistentVolumeClaim[] }>(['pvc', '-n', 'default'])).items.map(nameOf).sort();
    expect(pvcs).toEqual(['www-web-0', 'www-web-1', 'www-web-2']);
    await ok(['scale', 'statefulset/web', '--replicas=3']);
    await rolloutStatus('statefulset/web', 'default', 60);
    const again = await getJson<Pod>(['pod', 'web-2', '-n', 'default']);
    expect(again.metadata?.uid).not.toBe(firstUid);
    expect(await ok(['exec', '-n', 'default', 'web-2', '--', 'cat', '/www/index.html'])).toBe(page);
  });
});

// ---- 2. a Deployment's rolling updates, rollbacks, pause, scale -----------------------------------

describe('a Deployment rolls through kubectl: never below replicas - maxUnavailable Ready, never above replicas + maxSurge', () => {
  const NS = 'rollout';
  let t: Timeline<Pod>;
  let sets: Timeline<ReplicaSet>;
  const rsNames: Record<number, string> = {};

  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: {
      replicas: 4, selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
      template: template({ app: 'web' }),
    },
  };

  async function replicaSets(): Promise<ReplicaSet[]> {
    return (await getJson<{ items: ReplicaSet[] }>(['rs', '-n', NS, '-l', 'app=web'])).items;
  }
  const revisionOf = (rs: ReplicaSet): number => Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '0');
  async function rsOfRevision(rev: number): Promise<ReplicaSet> {
    const rs = (await replicaSets()).find((r) => revisionOf(r) === rev);
    if (rs === undefined) throw new Error(`no ReplicaSet of revision ${String(rev)}`);
    return rs;
  }
  /** All 4 pods Ready and of the ReplicaSet of this revision. */
  async function podsOfRevision(rev: number): Promise<Pod[]> {
    const rs = await rsOfRevision(rev);
    const hash = rs.metadata?.labels?.['pod-template-hash'] ?? '?';
    return waitReadyPods(NS, 'app=web', 4, (l) => l.every((p) => hashOf(p) === hash));
  }

  beforeAll(async () => {
    await namespace(NS);
    await node.apply(deployment, { namespace: NS });
    await rolloutStatus('deployment/web', NS);
    rsNames[1] = nameOf(await rsOfRevision(1));
    t = new Timeline<Pod>(node.client, PODS, NS);
    sets = new Timeline<ReplicaSet>(node.client, REPLICASETS, NS);
    await Promise.all([t.synced, sets.synced]);
  }, 180_000);

  afterAll(async () => {
    await t.stop();
    await sets.stop();
    await dropNamespace(NS);
  }, 120_000);

  it('kubectl set env: a new ReplicaSet, every pod replaced, rollout history shows 2 revisions', async () => {
    expect(await ok(['set', 'env', 'deployment/web', '-n', NS, 'VERSION=v2'])).toMatch(/env updated/);
    expect(await rolloutStatus('deployment/web', NS)).toMatch(/successfully rolled out/);
    const list = await podsOfRevision(2);
    expect(list.map((p) => envOf(p, 'VERSION'))).toEqual(['v2', 'v2', 'v2', 'v2']);
    rsNames[2] = nameOf(await rsOfRevision(2));
    expect(await history('deployment/web', NS)).toEqual([1, 2]);
    expect((await rsOfRevision(1)).spec?.replicas).toBe(0);
  });

  it('kubectl rollout undo: back to the first template as revision 3, its ReplicaSet scaled up again', async () => {
    expect(await ok(['rollout', 'undo', 'deployment/web', '-n', NS])).toMatch(/rolled back/);
    await rolloutStatus('deployment/web', NS);
    const rs = await rsOfRevision(3);
    expect(nameOf(rs)).toBe(rsNames[1]);
    expect(rs.spec?.replicas).toBe(4);
    expect((await podsOfRevision(3)).map((p) => envOf(p, 'VERSION'))).toEqual(['v1', 'v1', 'v1', 'v1']);
    expect(await history('deployment/web', NS)).toEqual([2, 3]);
  });

  it('kubectl rollout undo --to-revision=2: the second template again, as revision 4', async () => {
    await ok(['rollout', 'undo', 'deployment/web', '-n', NS, '--to-revision=2']);
    await rolloutStatus('deployment/web', NS);
    expect(nameOf(await rsOfRevision(4))).toBe(rsNames[2]);
    expect((await podsOfRevision(4)).map((p) => envOf(p, 'VERSION'))).toEqual(['v2', 'v2', 'v2', 'v2']);
    expect(await history('deployment/web', NS)).toEqual([3, 4]);
  });

  it('kubectl rollout restart: new pods of the same spec, stamped restartedAt, revision 5', async () => {
    const before = new Set((await activePods(NS, 'app=web')).map(nameOf));
    expect(await ok(['rollout', 'restart', 'deployment/web', '-n', NS])).toMatch(/restarted/);
    await rolloutStatus('deployment/web', NS);
    const list = await podsOfRevision(5);
    for (const p of list) {
      expect(before.has(nameOf(p))).toBe(false);
      expect(p.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
      expect(envOf(p, 'VERSION')).toBe('v2');
    }
  });

  it('kubectl rollout pause: a change does not roll out until resume', async () => {
    await ok(['rollout', 'pause', 'deployment/web', '-n', NS]);
    const rsBefore = (await replicaSets()).map(nameOf).sort();
    const podsBefore = (await activePods(NS, 'app=web')).map(nameOf).sort();
    await ok(['set', 'env', 'deployment/web', '-n', NS, 'VERSION=v3']);
    // the controller has seen the change (observedGeneration) and made nothing of it
    const d = await until('the paused change observed', async () => {
      const x = await getJson<Deployment>(['deployment', 'web', '-n', NS]);
      return (x.status?.observedGeneration ?? 0) >= (x.metadata?.generation ?? 1) ? x : undefined;
    }, 30_000);
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('DeploymentPaused');
    expect((await replicaSets()).map(nameOf).sort()).toEqual(rsBefore);
    expect((await activePods(NS, 'app=web')).map(nameOf).sort()).toEqual(podsBefore);
    expect(await history('deployment/web', NS)).toEqual([3, 4, 5]);
    await ok(['rollout', 'resume', 'deployment/web', '-n', NS]);
    await rolloutStatus('deployment/web', NS);
    expect((await podsOfRevision(6)).map((p) => envOf(p, 'VERSION'))).toEqual(['v3', 'v3', 'v3', 'v3']);
  });

  it('across all five rollouts the watches saw ≥ 3 Ready and ≤ 5 pods (replicas ± maxUnavailable/maxSurge) at every moment', () => {
    // every rollout replaced all 4 pods: 5 × 4 new pods, plus the 4 there at the start
    expect(t.names((p) => p.metadata?.labels?.['app'] === 'web').size).toBe(24);
    expectRollingBounds(replayRollout(t, sets, 'web'), 4, 1, 1);
  });

  it('kubectl scale --replicas=2: two pods left', async () => {
    await ok(['scale', 'deployment/web', '-n', NS, '--replicas=2']);
    await rolloutStatus('deployment/web', NS);
    await waitReadyPods(NS, 'app=web', 2);
    expect(await ok(['get', 'deployment', 'web', '-n', NS, '--no-headers'])).toMatch(/^web\s+2\/2\s+2\s+2\s/);
  });

  it('kubectl logs deployment/web and kubectl describe deployment (ScalingReplicaSet events)', async () => {
    expect(await ok(['logs', 'deployment/web', '-n', NS])).toMatch(/^serving VERSION=v3 on web-/m);
    const out = await ok(['describe', 'deployment', 'web', '-n', NS]);
    expect(out).toMatch(/ScalingReplicaSet\s+.*Scaled up replica set web-[a-z0-9]+ (from \d+ )?to \d/);
    expect(out).toMatch(/ScalingReplicaSet\s+.*Scaled down replica set web-[a-z0-9]+ (from \d+ )?to \d/);
  });
});

// ---- 3. self-healing ---------------------------------------------------------------------------------

describe('a ReplicaSet heals', () => {
  const NS = 'heal';
  const rs = {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'heal' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'heal' } }, template: template({ app: 'heal' }) },
  };

  beforeAll(async () => {
    await namespace(NS);
    await node.apply(rs, { namespace: NS });
    await waitReadyPods(NS, 'app=heal', 3);
  }, 120_000);

  afterAll(async () => {
    await dropNamespace(NS);
  }, 120_000);

  it('kubectl delete pod: a new pod takes its place, READY back to 3', async () => {
    const [victim] = await activePods(NS, 'app=heal');
    await ok(['delete', 'pod', nameOf(victim ?? {}), '-n', NS]);
    const list = await waitReadyPods(NS, 'app=heal', 3, (l) => l.every((p) => nameOf(p) !== nameOf(victim ?? {})));
    for (const p of list) expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: 'heal', controller: true });
    await until('READY 3', async () => /^heal\s+3\s+3\s+3\s/.test(await ok(['get', 'rs', 'heal', '-n', NS, '--no-headers'])), 30_000);
  });

  it('docker rm -f of a pod\'s app container: the agent starts it again, the same 3 pods are Ready', async () => {
    const before = await activePods(NS, 'app=heal');
    const victim = nameOf(before[0] ?? {});
    const engine = await discoverEngine(silentLogger);
    if (engine === undefined) throw new Error('no engine');
    const docker = dockerFor(engine);
    const found = await docker.listContainers({
      filters: {
        label: [
          `${LABEL_NODE_NAME}=${node.nodeName}`, `${LABEL_POD_NAMESPACE}=${NS}`, `${LABEL_POD_NAME}=${victim}`,
          `${LABEL_CONTAINER_NAME}=app`, `${LABEL_DOCKER_TYPE}=${DOCKER_TYPE_CONTAINER}`,
        ],
      },
    });
    expect(found).toHaveLength(1);
    await docker.getContainer(found[0]?.Id ?? '').remove({ force: true });
    const list = await waitReadyPods(NS, 'app=heal', 3, (l) => {
      const p = l.find((x) => nameOf(x) === victim);
      return p !== undefined && (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1;
    });
    expect(list.map(nameOf).sort()).toEqual(before.map(nameOf).sort());
    await until('READY 3', async () => /^heal\s+3\s+3\s+3\s/.test(await ok(['get', 'rs', 'heal', '-n', NS, '--no-headers'])), 30_000);
  });
});

// ---- 4. adoption, release, cascading deletion -------------------------------------------------------

describe('ReplicaSet adoption, release and --cascade', () => {
  const NS = 'adopt';
  let t: Timeline<Pod>;
  let sets: Timeline<ReplicaSet>;
  const rs = {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'adopt' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'adopt' } }, template: template({ app: 'adopt' }) },
  };
  const owner = (p: Pod | undefined): string | undefined => p?.metadata?.ownerReferences?.find((o) => o.controller === true)?.name;

  beforeAll(async () => {
    await namespace(NS);
    t = new Timeline<Pod>(node.client, PODS, NS);
    sets = new Timeline<ReplicaSet>(node.client, REPLICASETS, NS);
    await Promise.all([t.synced, sets.synced]);
  }, 60_000);

  afterAll(async () => {
    await t.stop();
    await sets.stop();
    await dropNamespace(NS);
  }, 120_000);

  it('a bare pod with matching labels is adopted: ownerReferences set, one new pod only', async () => {
    const { metadata, spec } = template({ app: 'adopt' });
    await node.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', ...metadata }, spec } as KubeObject, { namespace: NS });
    await node.waitForPod('stray', 'Ready', { namespace: NS });
    await node.apply(rs, { namespace: NS });
    const list = await waitReadyPods(NS, 'app=adopt', 2, (l) => l.every((p) => owner(p) === 'adopt'));
    expect(list.map(nameOf)).toContain('stray');
    const uid = (await getJson<ReplicaSet>(['rs', 'adopt', '-n', NS])).metadata?.uid;
    expect((await node.getPod('stray', { namespace: NS })).metadata?.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'adopt', uid, controller: true, blockOwnerDeletion: true },
    ]);
    // never a third pod
    expect([...t.names()].sort()).toEqual(list.map(nameOf).sort());
  });

  it('relabelling an owned pod releases it and a replacement appears', async () => {
    await ok(['label', 'pod', 'stray', '-n', NS, 'app=released', '--overwrite']);
    const list = await waitReadyPods(NS, 'app=adopt', 2, (l) => l.every((p) => nameOf(p) !== 'stray' && owner(p) === 'adopt'));
    expect(list).toHaveLength(2);
    const stray = await until('stray released', async () => {
      const p = await node.getPod('stray', { namespace: NS });
      return (p.metadata?.ownerReferences ?? []).length === 0 ? p : undefined;
    }, 30_000);
    expect(active(stray) && ready(stray)).toBe(true);
  });

  it('kubectl delete rs --cascade=orphan: the pods stay, without ownerReferences', async () => {
    const before = (await activePods(NS, 'app=adopt')).map(nameOf).sort();
    await ok(['delete', 'rs', 'adopt', '-n', NS, '--cascade=orphan']);
    expect((await node.kubectl(['get', 'rs', 'adopt', '-n', NS])).code).not.toBe(0);
    const after = await waitReadyPods(NS, 'app=adopt', 2, (l) => l.every((p) => (p.metadata?.ownerReferences ?? []).length === 0), 30_000);
    expect(after.map(nameOf).sort()).toEqual(before);
  });

  it('kubectl delete rs --cascade=foreground: the pods are gone before the ReplicaSet', async () => {
    const orphans = (await activePods(NS, 'app=adopt')).map(nameOf).sort();
    await node.apply(rs, { namespace: NS });
    // the orphans are adopted back, nothing new is made
    const list = await waitReadyPods(NS, 'app=adopt', 2, (l) => l.every((p) => owner(p) === 'adopt'));
    expect(list.map(nameOf).sort()).toEqual(orphans);
    const start = sets.events.length;
    await ok(['delete', 'rs', 'adopt', '-n', NS, '--cascade=foreground', '--timeout=60s'], { timeoutMs: 70_000 });
    const rsGone = sets.events.slice(start).find((e) => e.type === 'DELETED' && nameOf(e.object) === 'adopt');
    expect(rsGone).toBeDefined();
    expect(sets.events.slice(start).some((e) => e.object.metadata?.finalizers?.includes('foregroundDeletion') === true)).toBe(true);
    for (const name of orphans) {
      const podGone = t.of(name).find((e) => e.type === 'DELETED');
      expect(podGone, `${name} deleted`).toBeDefined();
      expect(podGone?.rv ?? Infinity).toBeLessThan(rsGone?.rv ?? 0);
    }
  });

  it('kubectl delete rs (background, the default): the ReplicaSet goes first, then its pods', async () => {
    await node.apply(rs, { namespace: NS });
    const list = (await waitReadyPods(NS, 'app=adopt', 2, (l) => l.every((p) => owner(p) === 'adopt'))).map(nameOf);
    const start = sets.events.length;
    await ok(['delete', 'rs', 'adopt', '-n', NS]);
    await until('the pods gone', async () => (await pods(NS, 'app=adopt')).length === 0, 60_000);
    const rsGone = sets.events.slice(start).find((e) => e.type === 'DELETED' && nameOf(e.object) === 'adopt');
    expect(rsGone).toBeDefined();
    for (const name of list) {
      const terminating = t.of(name).find((e) => e.object.metadata?.deletionTimestamp != null || e.type === 'DELETED');
      expect(terminating?.rv ?? 0).toBeGreaterThan(rsGone?.rv ?? Infinity);
    }
    // the released pod is nobody's: it stays
    expect(active(await node.getPod('stray', { namespace: NS }))).toBe(true);
  });
});

// ---- 5. kill -9 of the controller manager mid-rollout ------------------------------------------------

describe('the controller manager killed (-9) mid-rollout', () => {
  const NS = 'cmkill';
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'roll' },
    spec: {
      replicas: 6, selector: { matchLabels: { app: 'roll' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
      template: template({ app: 'roll' }),
    },
  };

  beforeAll(async () => {
    await namespace(NS);
    await node.apply(deployment, { namespace: NS });
    await rolloutStatus('deployment/roll', NS);
  }, 120_000);

  afterAll(async () => {
    await dropNamespace(NS);
  }, 120_000);

  it('the restarted one finishes the rollout: 6 new pods, none twice, within maxSurge/maxUnavailable; it holds the Lease again', async () => {
    const t = new Timeline<Pod>(node.client, PODS, NS);
    const sets = new Timeline<ReplicaSet>(node.client, REPLICASETS, NS);
    try {
      await Promise.all([t.synced, sets.synced]);
      const isNew = (p: Pod): boolean => envOf(p, 'VERSION') === 'v2';
      await ok(['set', 'env', 'deployment/roll', '-n', NS, 'VERSION=v2']);
      // mid-rollout: some new pods, not all of them
      await until('a rollout under way', () => Promise.resolve(t.names(isNew).size >= 2 ? true : undefined), 60_000, 20);
      const killedPid = await node.killControllerManager();
      const seenAtKill = t.names(isNew).size;
      expect(seenAtKill).toBeLessThan(6);
      const restartedAt = Date.now();
      await node.ensureUp();
      const pid = node.controllerManagerPid();
      expect(pid).toBeDefined();
      expect(pid).not.toBe(killedPid);
      expect(await rolloutStatus('deployment/roll', NS)).toMatch(/successfully rolled out/);
      const list = await waitReadyPods(NS, 'app=roll', 6, (l) => l.every(isNew));
      // no duplicates, none lost: exactly the 6 new pods were ever made, and all of them live
      expect([...t.names(isNew)].sort()).toEqual(list.map(nameOf).sort());
      expectRollingBounds(replayRollout(t, sets, 'roll'), 6, 1, 1);
      // the Lease is held by the new process: same identity, renewed after the restart
      const lease = await until('the Lease renewed by the restarted controller manager', async () => {
        const l = await node.client.get<Lease>(LEASES, 'kube-system', 'kube-controller-manager');
        return Date.parse(l.spec?.renewTime ?? '') > restartedAt ? l : undefined;
      }, 30_000);
      expect(lease.spec?.holderIdentity).toBe(`nodelet-${node.nodeName}`);
    } finally {
      await t.stop();
      await sets.stop();
    }
  });
});

// ---- 6. DaemonSet and StatefulSet updates ---------------------------------------------------------

describe('DaemonSet and StatefulSet updates', () => {
  const NS = 'update';

  beforeAll(async () => {
    await namespace(NS);
  }, 60_000);

  afterAll(async () => {
    await dropNamespace(NS);
  }, 120_000);

  it('a DaemonSet template change rolls out (RollingUpdate): one new pod on the node, 2 revisions', async () => {
    const ds = {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'daemon' },
      spec: {
        selector: { matchLabels: { app: 'daemon' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: template({ app: 'daemon' }),
      },
    };
    await node.apply(ds, { namespace: NS });
    await rolloutStatus('daemonset/daemon', NS, 60);
    const [old] = await waitReadyPods(NS, 'app=daemon', 1);
    await ok(['set', 'env', 'daemonset/daemon', '-n', NS, 'VERSION=v2']);
    expect(await rolloutStatus('daemonset/daemon', NS, 60)).toMatch(/daemon set "daemon" successfully rolled out/);
    const [now] = await waitReadyPods(NS, 'app=daemon', 1);
    expect(nameOf(now ?? {})).not.toBe(nameOf(old ?? {}));
    expect(now?.spec?.nodeName).toBe(node.nodeName);
    expect(envOf(now ?? {}, 'VERSION')).toBe('v2');
    expect(await history('daemonset/daemon', NS)).toEqual([1, 2]);
    const status = (await getJson<DaemonSet>(['daemonset', 'daemon', '-n', NS])).status;
    expect(status).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1, updatedNumberScheduled: 1, numberReady: 1 });
  });

  describe('a StatefulSet (no claim templates)', () => {
    const sts = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'part' },
      spec: {
        serviceName: 'part', replicas: 3, selector: { matchLabels: { app: 'part' } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
        template: template({ app: 'part' }),
      },
    };
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'part' }, spec: { clusterIP: 'None', selector: { app: 'part' }, ports: [{ port: 80 }] } };
    const revision = (p: Pod): string => p.metadata?.labels?.['controller-revision-hash'] ?? '';
    let t: Timeline<Pod>;

    beforeAll(async () => {
      t = new Timeline<Pod>(node.client, PODS, NS);
      await t.synced;
      await node.apply([svc, sts], { namespace: NS });
      await rolloutStatus('statefulset/part', NS, 60);
    }, 120_000);

    afterAll(async () => {
      await t.stop();
    });

    it('RollingUpdate with partition 2: only part-2 is updated; partition 0: part-1, then part-0', async () => {
      const uid = async (n: string): Promise<string> => (await node.getPod(n, { namespace: NS })).metadata?.uid ?? '';
      const [uid0, uid1] = [await uid('part-0'), await uid('part-1')];
      await ok(['set', 'env', 'statefulset/part', '-n', NS, 'VERSION=v2']);
      expect(await rolloutStatus('statefulset/part', NS, 60)).toMatch(/partitioned roll out complete: 1 new pods have been updated/);
      let set = await getJson<StatefulSet>(['statefulset', 'part', '-n', NS]);
      const updateRevision = set.status?.updateRevision ?? '?';
      expect(updateRevision).not.toBe(set.status?.currentRevision);
      const list = await waitReadyPods(NS, 'app=part', 3);
      const byName = new Map(list.map((p) => [nameOf(p), p]));
      expect(revision(byName.get('part-2') ?? {})).toBe(updateRevision);
      expect(envOf(byName.get('part-2') ?? {}, 'VERSION')).toBe('v2');
      expect([await uid('part-0'), await uid('part-1')]).toEqual([uid0, uid1]);
      expect([revision(byName.get('part-0') ?? {}), revision(byName.get('part-1') ?? {})]).toEqual([set.status?.currentRevision, set.status?.currentRevision]);

      await ok(['patch', 'statefulset', 'part', '-n', NS, '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}']);
      expect(await rolloutStatus('statefulset/part', NS, 90)).toMatch(/(partitioned roll out complete: 3 new pods have been updated|statefulset rolling update complete 3 pods at revision)/);
      set = await getJson<StatefulSet>(['statefulset', 'part', '-n', NS]);
      expect(set.status?.currentRevision).toBe(updateRevision);
      expect((await waitReadyPods(NS, 'app=part', 3)).map((p) => envOf(p, 'VERSION'))).toEqual(['v2', 'v2', 'v2']);
      // reverse ordinal order: part-1 went before part-0
      const deletedAt = (n: string, old: string): number => t.of(n).find((e) => e.object.metadata?.uid === old && e.object.metadata.deletionTimestamp != null)?.rv ?? Infinity;
      expect(deletedAt('part-1', uid1)).toBeLessThan(deletedAt('part-0', uid0));
    });

    it('scaled down to 2: the highest ordinal goes', async () => {
      const keep = [(await node.getPod('part-0', { namespace: NS })).metadata?.uid, (await node.getPod('part-1', { namespace: NS })).metadata?.uid];
      await ok(['scale', 'statefulset/part', '-n', NS, '--replicas=2']);
      const list = await waitReadyPods(NS, 'app=part', 2);
      expect(list.map((p) => [nameOf(p), p.metadata?.uid]).sort()).toEqual([['part-0', keep[0]], ['part-1', keep[1]]]);
    });
  });
});
