// The Deployment controller against a real (in-memory) API server, with no ReplicaSet controller:
// the test plays that part by writing ReplicaSet status. A new deployment gets its hash-named
// ReplicaSet at revision 1; a new image rolls over to a second ReplicaSet step by step within
// maxSurge/maxUnavailable as the ReplicaSets report available pods.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.d.ts';
import type { Event } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYMENTS, EVENTS, REPLICASETS } from '../../kube/client/resources.ts';
import { until } from '../../lib/testing/wait.ts';
import { controllerOf } from '../framework/owners.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { DeploymentController } from './controller.ts';

let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane({ reconcilers: (ctx) => [new DeploymentController(ctx)] });
});

afterAll(async () => {
  await cp.stop();
});

const NS = 'default';

function web(image: string): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'main', image }] } },
    },
  };
}

async function replicaSets(): Promise<ReplicaSet[]> {
  return (await cp.client.list<ReplicaSet>(REPLICASETS, NS)).items;
}

async function getDeployment(): Promise<Deployment> {
  return cp.client.get<Deployment>(DEPLOYMENTS, NS, 'web');
}

/** What a ReplicaSet controller would report once every wanted pod is up and available. */
async function reportAllAvailable(rs: ReplicaSet): Promise<void> {
  const n = rs.spec?.replicas ?? 0;
  await cp.client.patch(REPLICASETS, NS, rs.metadata?.name ?? '', {
    status: { replicas: n, fullyLabeledReplicas: n, readyReplicas: n, availableReplicas: n, observedGeneration: rs.metadata?.generation ?? 1 },
  }, 'merge', { subresource: 'status' });
}

function condition(d: Deployment, type: string): { reason?: string; status?: string; message?: string } | undefined {
  return d.status?.conditions?.find((c) => c.type === type);
}

describe('Deployment controller', () => {
  it('creates the hash-named ReplicaSet and rolls a new image over in steps', async () => {
    const created = await cp.client.create<Deployment>(DEPLOYMENTS, NS, web('busybox:1'));

    const [first] = await until('the first ReplicaSet', async () => {
      const rss = await replicaSets();
      return rss.length === 1 ? rss : undefined;
    }, 10_000, 20);
    const hash = first?.metadata?.labels?.['pod-template-hash'] ?? '';
    expect(first?.metadata?.name).toBe(`web-${hash}`);
    expect(first?.spec?.replicas).toBe(3);
    expect(first?.spec?.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(first?.metadata?.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4',
    });
    expect(controllerOf(first ?? {})).toMatchObject({ kind: 'Deployment', name: 'web', uid: created.metadata?.uid, controller: true });

    const progressing = await until('revision 1 and NewReplicaSetCreated', async () => {
      const d = await getDeployment();
      return d.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '1' && d.status?.observedGeneration === 1 ? d : undefined;
    }, 10_000, 20);
    expect(condition(progressing, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "web-${hash}"` });
    expect(condition(progressing, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });

    // The ReplicaSet's pods come up: the rollout is complete.
    if (first !== undefined) await reportAllAvailable(first);
    const complete = await until('NewReplicaSetAvailable', async () => {
      const d = await getDeployment();
      return condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' ? d : undefined;
    }, 10_000, 20);
    expect(complete.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(condition(complete, 'Progressing')?.message).toBe(`ReplicaSet "web-${hash}" has successfully progressed.`);
    expect(condition(complete, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });

    // A new image: 25% of 3 is a surge of 1 and no unavailability, so the sizes go
    // (old, new) 3/1 → 2/1 → 2/2 → 1/2 → 1/3 → 0/3: an old one goes when a new one is available,
    // and a new one comes as soon as the old one is asked to go (two steps may pass between looks).
    await cp.client.patch(DEPLOYMENTS, NS, 'web', { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:2' }] } } } }, 'strategic');
    const seen: string[] = [];
    const oldName = first?.metadata?.name ?? '';
    for (let step = 0; step < 12; step++) {
      const state = await until('a step of the rollout', async () => {
        await cp.idle();
        const rss = await replicaSets();
        const oldRS = rss.find((r) => r.metadata?.name === oldName);
        const newRS = rss.find((r) => r.metadata?.name !== oldName);
        if (oldRS === undefined || newRS === undefined) return undefined;
        const key = `${String(oldRS.spec?.replicas)}/${String(newRS.spec?.replicas)}`;
        return seen[seen.length - 1] === key ? undefined : { key, oldRS, newRS };
      }, 10_000, 20);
      seen.push(state.key);
      expect((state.oldRS.spec?.replicas ?? 0) + (state.newRS.spec?.replicas ?? 0)).toBeLessThanOrEqual(4);
      if (state.key === '0/3') {
        expect(state.newRS.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
        break;
      }
      // the pods of both ReplicaSets catch up with their sizes
      await reportAllAvailable(state.oldRS);
      await reportAllAvailable(state.newRS);
    }
    const all = ['3/1', '2/1', '2/2', '1/2', '1/3', '0/3'];
    expect(seen[0]).toBe('3/1');
    expect(seen[seen.length - 1]).toBe('0/3');
    expect(seen.every((k, i) => i === 0 || all.indexOf(k) > all.indexOf(seen[i - 1] ?? ''))).toBe(true);

    const rss = await replicaSets();
    for (const rs of rss) await reportAllAvailable(rs);
    const done = await until('rollout 2 complete', async () => {
      const d = await getDeployment();
      return condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d.status?.updatedReplicas === 3 && d.status.replicas === 3 ? d : undefined;
    }, 10_000, 20);
    expect(done.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(done.status?.observedGeneration).toBe(2);

    const events = (await cp.client.list<Event>(EVENTS, NS)).items.filter((e) => e.involvedObject.name === 'web' && e.reason === 'ScalingReplicaSet');
    expect(events.every((e) => e.source?.component === 'deployment-controller' && e.involvedObject.kind === 'Deployment')).toBe(true);
    const messages = events.map((e) => e.message);
    expect(messages).toContain(`Scaled up replica set web-${hash} from 0 to 3`);
    expect(messages).toContain(`Scaled down replica set web-${hash} from 3 to 2`);
    expect(messages).toContain(`Scaled down replica set web-${hash} from 1 to 0`);
  });

  it('rollout undo (the old template again) reuses the old ReplicaSet at the next revision', async () => {
    const before = await replicaSets();
    await cp.client.patch(DEPLOYMENTS, NS, 'web', { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:1' }] } } } }, 'strategic');
    const reused = await until('revision 3 on the first ReplicaSet', async () => {
      const rss = await replicaSets();
      return rss.find((r) => r.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '3');
    }, 10_000, 20);
    expect(reused.spec?.template?.spec?.containers[0]?.image).toBe('busybox:1');
    expect(reused.metadata?.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect((await replicaSets()).map((r) => r.metadata?.name).sort()).toEqual(before.map((r) => r.metadata?.name).sort());
    await until('deployment revision 3', async () => (await getDeployment()).metadata?.annotations?.['deployment.kubernetes.io/revision'] === '3', 10_000, 20);
  });
});
