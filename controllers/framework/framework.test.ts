// The framework against a real API server: informers fill their caches from list+watch, the
// manager starts workers only after sync, a key is synced after each change, events are written.
import type { ConfigMap } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIGMAPS, EVENTS } from '../../kube/client/resources.ts';
import type { Lister } from '../../kube/informers/types.ts';
import { until } from '../../lib/testing/wait.ts';
import { startControlPlane, type ControlPlane } from '../testing/control-plane.ts';
import { keyOf, splitKey, type ControllerContext, type Reconciler } from './types.ts';

/** Copies data.want into data.have, and records an event, for every ConfigMap. */
class Mirror implements Reconciler {
  readonly name = 'mirror-controller';
  readonly synced: string[] = [];
  private readonly lister: Lister<ConfigMap>;
  private readonly recorder;

  constructor(private readonly ctx: ControllerContext) {
    this.lister = ctx.informers.informer<ConfigMap>(CONFIGMAPS).lister;
    this.recorder = ctx.recorder(this.name);
  }

  watch(queue: { add(key: string): void }): void {
    this.ctx.informers.informer<ConfigMap>(CONFIGMAPS).addHandler({
      add: (cm) => { queue.add(keyOf(cm)); },
      update: (_, cm) => { queue.add(keyOf(cm)); },
    });
  }

  async sync(key: string): Promise<void> {
    this.synced.push(key);
    const { namespace, name } = splitKey(key);
    const cm = this.lister.get(namespace, name);
    if (cm === undefined || cm.data?.['want'] === undefined || cm.data['want'] === cm.data['have']) return;
    await this.ctx.client.patch(CONFIGMAPS, namespace, name, { data: { have: cm.data['want'] } }, 'merge');
    this.recorder.event({ ...cm, apiVersion: 'v1', kind: 'ConfigMap' }, 'Normal', 'Mirrored', `copied ${cm.data['want']}`);
  }
}

let cp: ControlPlane;
let mirror: Mirror | undefined;

beforeAll(async () => {
  cp = await startControlPlane({ reconcilers: (ctx) => [mirror = new Mirror(ctx)] });
});

afterAll(async () => {
  await cp.stop();
});

describe('controller framework', () => {
  it('syncs each changed object through informers and writes through the client, with events', async () => {
    await cp.client.create(CONFIGMAPS, 'default', { metadata: { name: 'm1' }, data: { want: 'x' } });
    await until('have=x', async () => (await cp.client.get<ConfigMap>(CONFIGMAPS, 'default', 'm1')).data?.['have'] === 'x', 5000, 10);
    await cp.client.patch(CONFIGMAPS, 'default', 'm1', { data: { want: 'y' } }, 'merge');
    await until('have=y', async () => (await cp.client.get<ConfigMap>(CONFIGMAPS, 'default', 'm1')).data?.['have'] === 'y', 5000, 10);
    await cp.idle();
    expect(mirror?.synced.filter((k) => k === 'default/m1').length).toBeGreaterThanOrEqual(2);
    const events = await cp.client.list<{ reason?: string; source?: { component?: string }; involvedObject?: { name?: string } } & import('../../kube/client/client.ts').KubeObject>(EVENTS, 'default');
    const mine = events.items.filter((e) => e.reason === 'Mirrored');
    expect(mine.map((e) => [e.source?.component, e.involvedObject?.name])).toEqual([['mirror-controller', 'm1'], ['mirror-controller', 'm1']]);
  });
});
