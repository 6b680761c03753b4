// Black-box faults: one `nodelet apiserver` and one `nodelet agent` (each in its own harness
// container, killed with SIGKILL through the engine) with 20 running busybox pods, one with a
// readiness probe. Killing the agent, the API
// server or (only when nodelet started it) the engine loses no pod and restarts no container.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod, PodList } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PODS } from '../kube/client/client.ts';
import { silentLogger } from '../lib/log.ts';
import { PROJECT_ROOT, stateDir } from '../lib/paths.ts';
import { ensureEngine } from '../runtime/docker/local-engine.ts';
import { busyboxPod, engineContainers, nodeName, podReady, sleep, TestCluster, until } from './support/cluster.ts';

const NODE = nodeName('e2e-faults');
const NAMES = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, '0')}`);
const PROBED = 'f00';
const cluster = new TestCluster('e2e-faults');

interface Snapshot {
  /** pod name → uid, container ID, restart count (from the API) */
  pods: Record<string, string>;
  /** running container IDs on the engine of these 20 pods */
  running: string[];
}

function podKey(p: Pod): string {
  const c = p.status?.containerStatuses?.[0];
  return `${p.metadata?.uid ?? ''} ${c?.containerID ?? ''} restarts=${String(c?.restartCount ?? -1)}`;
}

async function snapshot(): Promise<Snapshot> {
  const list = (await cluster.admin.list<Pod>(PODS, 'default')).items.filter((p) => NAMES.includes(p.metadata?.name ?? ''));
  const pods: Record<string, string> = {};
  for (const p of list) pods[p.metadata?.name ?? ''] = podKey(p);
  const running = (await engineContainers([NODE])).filter((c) => c.state === 'running' && NAMES.includes(c.pod)).map((c) => c.id).sort();
  return { pods, running };
}

/** All 20 pods Running and Ready through the API, same containers as `before`, none restarted. */
async function intact(before: Snapshot): Promise<boolean> {
  const list = (await cluster.admin.list<Pod>(PODS, 'default')).items.filter((p) => NAMES.includes(p.metadata?.name ?? ''));
  if (list.length !== NAMES.length || !list.every(podReady)) return false;
  const now = await snapshot();
  return JSON.stringify(now) === JSON.stringify(before);
}

/** The agent's own view (its local /pods): every pod Running and Ready. */
async function agentSeesAllReady(): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${String(cluster.agent(NODE).healthzPort)}/pods`, { signal: AbortSignal.timeout(2000) });
  const list = await res.json() as PodList;
  const mine = list.items.filter((p) => NAMES.includes(p.metadata?.name ?? ''));
  return mine.length === NAMES.length && mine.every(podReady);
}

/** Records every pod that is seen not Running/Ready while `during` runs. */
async function watchFlaps<T>(during: () => Promise<T>): Promise<{ result: T; flaps: string[] }> {
  const flaps: string[] = [];
  const ac = new AbortController();
  let synced!: () => void;
  const ready = new Promise<void>((r) => { synced = r; });
  let seen = 0;
  const watching = (async () => {
    for await (const ev of cluster.admin.listWatch<Pod>(PODS, 'default', { signal: ac.signal })) {
      const name = ev.object.metadata?.name ?? '';
      if (!NAMES.includes(name)) continue;
      if (++seen === NAMES.length) synced();
      if (ev.type === 'DELETED' || !podReady(ev.object)) flaps.push(`${ev.type} ${name} ${ev.object.status?.phase ?? ''} ${JSON.stringify(ev.object.status?.conditions?.find((c) => c.type === 'Ready'))}`);
    }
  })().catch(() => undefined);
  await ready;
  try {
    return { result: await during(), flaps };
  } finally {
    ac.abort();
    await watching;
  }
}

/** A dockerd that nodelet started (pid file in .run/ or this run's state dir, process alive). */
function nodeletEngine(): { dir: string; pid: number } | undefined {
  for (const dir of new Set([stateDir(), join(PROJECT_ROOT, '.run')])) {
    const file = join(dir, 'dockerd.pid');
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 0);
      if (!readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').includes('dockerd')) continue;
    } catch {
      continue;
    }
    return { dir, pid };
  }
  return undefined;
}

const engine = nodeletEngine();

beforeAll(async () => {
  await cluster.startApiserver();
  await cluster.startAgent(NODE);
  await cluster.waitNodes([NODE]);
  for (const name of NAMES) await cluster.admin.create(PODS, 'default', busyboxPod(name, { readiness: name === PROBED }));
  await cluster.waitPods(NAMES, podReady, 150_000);
}, 180_000);

afterAll(async () => {
  await cluster.cleanup();
}, 120_000);

describe('faults with 20 running pods', () => {
  it('agent killed with SIGKILL and started again: no pod lost, no container restarted, status correct within 10 s', async () => {
    const before = await snapshot();
    expect(Object.keys(before.pods)).toHaveLength(20);
    expect(before.running.length).toBe(40); // 20 sandboxes + 20 containers
    const { flaps } = await watchFlaps(async () => {
      const old = cluster.agent(NODE).id;
      await cluster.kill(cluster.agent(NODE), 'SIGKILL');
      const restarted = Date.now();
      expect((await cluster.startAgent(NODE)).id).not.toBe(old);
      const left = 10_000 - (Date.now() - restarted);
      await until('the restarted agent to see all 20 pods Running and Ready', agentSeesAllReady, Math.max(left, 0), 200);
      await until('all 20 pods Ready via the API, same containers', () => intact(before), Math.max(10_000 - (Date.now() - restarted), 0), 200);
      process.stdout.write(`faults: agent restart → all pods confirmed in ${String(Date.now() - restarted)} ms\n`);
    });
    expect(flaps).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('API server killed with SIGKILL and started again on the same data dir and port: all pods there, the agent reconnects, a new pod runs', async () => {
    const before = await snapshot();
    await cluster.kill(cluster.apiserver, 'SIGKILL');
    await sleep(1000);
    await cluster.startApiserver();
    const after = await snapshot();
    expect(after).toEqual(before);
    expect((await cluster.ok(['get', 'pods', '--no-headers'])).trim().split('\n').filter((l) => /^f\d\d\s+1\/1\s+Running\s+0\s/.test(l))).toHaveLength(20);
    await cluster.admin.create(PODS, 'default', busyboxPod('after-api'));
    const [p] = await cluster.waitPods(['after-api'], podReady, 60_000);
    expect(p?.spec?.nodeName).toBe(NODE);
    expect(await intact(before)).toBe(true);
    await cluster.admin.delete(PODS, 'default', 'after-api', { gracePeriodSeconds: 0 });
  });

  const engineTitle = 'engine restarted (SIGTERM by pid, then ensureEngine): no pod lost, no container restarted (live-restore), status correct within 10 s';
  if (engine === undefined) {
    it.skip(`${engineTitle} — skipped: the engine was not started by nodelet (no live dockerd.pid in .run/ or the state dir), so the test must not restart it`, () => undefined);
  } else {
    it(engineTitle, async () => {
      await cluster.watchUntil('after-api gone', PODS, 'default', (pods) => !pods.some((x) => x.metadata?.name === 'after-api'), 30_000);
      const before = await snapshot();
      expect(before.running.length).toBe(40);
      process.kill(engine.pid, 'SIGTERM');
      await until('dockerd to exit', () => {
        try {
          process.kill(engine.pid, 0);
          return Promise.resolve(false);
        } catch {
          return Promise.resolve(true);
        }
      }, 60_000, 100);
      await ensureEngine({ stateDir: engine.dir, log: silentLogger });
      const back = Date.now();
      await until('all 20 pods Ready via the API, same containers, after the engine restart', () => intact(before), 10_000, 200);
      await until('the agent to see all 20 pods Running and Ready', agentSeesAllReady, Math.max(10_000 - (Date.now() - back), 0), 200);
      process.stdout.write(`faults: engine restart → all pods confirmed ${String(Date.now() - back)} ms after the engine answered\n`);
      expect(await snapshot()).toEqual(before);
    });
  }
});
