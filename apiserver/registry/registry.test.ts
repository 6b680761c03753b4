import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { ApiError } from '../api/errors.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import type { KubeObject } from '../storage/types.ts';
import { bindPod } from './pod-binding.ts';
import { Registry } from './registry.ts';
import type { WatchEvent } from './resource-store.ts';
import { bootstrapRegistry } from './bootstrap.ts';

async function setup(): Promise<{ reg: Registry; clock: FakeClock }> {
  const clock = new FakeClock(Date.UTC(2026, 10, 23, 12, 0, 0));
  const reg = new Registry(createMemoryStorage(), clock);
  await bootstrapRegistry(reg);
  return { reg, clock };
}

const pod = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra },
});

async function reason(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (err instanceof ApiError) return `${err.httpCode} ${err.status.reason ?? ''}: ${err.message}`;
    throw err;
  }
}

describe('registry', () => {
  it('starts with the four namespaces and creates with uid, timestamp, generated names and defaults', async () => {
    const { reg } = await setup();
    const ns = await reg.namespaces.list(undefined);
    expect(ns.items.map((n) => n.metadata?.name).sort()).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const p = await reg.pods.create('default', { ...pod(''), metadata: { generateName: 'web-' } });
    expect(p.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(p.metadata?.['uid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.metadata?.['creationTimestamp']).toBe('2026-11-23T12:00:00Z');
    expect(p['status']).toMatchObject({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(p.metadata?.namespace).toBe('default');
  });

  it('refuses duplicates, unknown namespaces and a stale resourceVersion', async () => {
    const { reg } = await setup();
    const c = await reg.store('', 'v1', 'configmaps').create('default', { metadata: { name: 'c' }, data: { a: '1' } });
    expect(await reason(reg.store('', 'v1', 'configmaps').create('default', { metadata: { name: 'c' } }))).toBe('409 AlreadyExists: configmaps "c" already exists');
    expect(await reason(reg.store('', 'v1', 'configmaps').create('nope', { metadata: { name: 'c' } }))).toBe('404 NotFound: namespaces "nope" not found');
    await reg.store('', 'v1', 'configmaps').update('default', 'c', { ...c, data: { a: '2' } }, undefined);
    expect(await reason(reg.store('', 'v1', 'configmaps').update('default', 'c', { ...c, data: { a: '3' } }, undefined)))
      .toMatch(/^409 Conflict: Operation cannot be fulfilled on configmaps "c": the object has been modified/);
  });

  it('keeps status out of spec writes and spec out of status writes', async () => {
    const { reg } = await setup();
    const p = await reg.pods.create('default', pod('p'));
    const withStatus = await reg.pods.update('default', 'p', { ...p, status: { phase: 'Running' } }, 'status');
    expect(withStatus['status']).toEqual({ phase: 'Running' });
    const relabeled = await reg.pods.patch('default', 'p', 'merge', { metadata: { labels: { x: 'y' } }, status: { phase: 'Failed' } }, undefined);
    expect(relabeled['status']).toEqual({ phase: 'Running' });
    expect(relabeled.metadata?.['labels']).toEqual({ app: 'p', x: 'y' });
    const st = await reg.pods.patch('default', 'p', 'merge', { spec: { nodeName: 'n1' }, status: { podIP: '10.0.0.1' } }, 'status');
    expect(st['spec']).not.toHaveProperty('nodeName');
    expect(st['status']).toEqual({ phase: 'Running', podIP: '10.0.0.1' });
  });

  it('deletes unbound pods at once and bound pods gracefully until the node confirms', async () => {
    const { reg, clock } = await setup();
    await reg.pods.create('default', pod('free'));
    const free = await reg.pods.delete('default', 'free', {});
    expect(free.deleted).toBe(true);

    await reg.pods.create('default', pod('bound'));
    await bindPod(reg.pods, clock, 'default', 'bound', 'node1');
    const first = await reg.pods.delete('default', 'bound', {});
    expect(first.deleted).toBe(false);
    expect(first.object.metadata?.['deletionTimestamp']).toBe('2026-11-23T12:00:30Z');
    expect(first.object.metadata?.['deletionGracePeriodSeconds']).toBe(30);
    const again = await reg.pods.delete('default', 'bound', { gracePeriodSeconds: 10 });
    expect(again.object.metadata?.['deletionGracePeriodSeconds']).toBe(10);
    expect(await reason(reg.pods.delete('default', 'bound', { gracePeriodSeconds: 0, preconditions: { uid: 'other' } })))
      .toMatch(/^409 Conflict: .*Precondition failed: UID in precondition: other/);
    const uid = String(first.object.metadata?.['uid']);
    const final = await reg.pods.delete('default', 'bound', { gracePeriodSeconds: 0, preconditions: { uid } });
    expect(final.deleted).toBe(true);
    expect(await reason(reg.pods.get('default', 'bound'))).toBe('404 NotFound: pods "bound" not found');
  });

  it('binds once and marks PodScheduled', async () => {
    const { reg, clock } = await setup();
    await reg.pods.create('default', pod('b'));
    const bound = await bindPod(reg.pods, clock, 'default', 'b', 'node1');
    expect(bound['spec']).toMatchObject({ nodeName: 'node1' });
    expect(bound['status']).toMatchObject({ conditions: [{ type: 'PodScheduled', status: 'True' }] });
    expect(await reason(bindPod(reg.pods, clock, 'default', 'b', 'node2'))).toMatch(/409 Conflict: .*pod b is already assigned to node "node1"/);
  });

  it('holds objects with finalizers until the last one is removed', async () => {
    const { reg } = await setup();
    const cms = reg.store('', 'v1', 'configmaps');
    await cms.create('default', { metadata: { name: 'f', finalizers: ['example.com/x'] } });
    const d = await cms.delete('default', 'f', {});
    expect(d.deleted).toBe(false);
    expect(d.object.metadata?.['deletionTimestamp']).toBeDefined();
    await cms.patch('default', 'f', 'merge', { metadata: { finalizers: null } }, undefined);
    expect(await reason(cms.get('default', 'f'))).toMatch(/^404/);
  });

  it('filters lists and watches by label and field selectors, with ADDED/DELETED on (un)matching', async () => {
    const { reg, clock } = await setup();
    await reg.pods.create('default', pod('a'));
    await reg.pods.create('default', pod('b'));
    await bindPod(reg.pods, clock, 'default', 'b', 'node1');
    expect((await reg.pods.list(undefined, { fieldSelector: 'spec.nodeName=node1' })).items.map((p) => p.metadata?.name)).toEqual(['b']);
    expect((await reg.pods.list('default', { labelSelector: 'app in (a,b),app!=b' })).items.map((p) => p.metadata?.name)).toEqual(['a']);
    expect(await reason(reg.pods.list('default', { fieldSelector: 'spec.bogus=1' }))).toBe('400 BadRequest: field label not supported: spec.bogus');

    const events: WatchEvent[] = [];
    const w = await reg.pods.watch(undefined, { labelSelector: 'tier=fe' }, (e) => events.push(e));
    await reg.pods.patch('default', 'a', 'merge', { metadata: { labels: { tier: 'fe' } } }, undefined);
    await reg.pods.patch('default', 'a', 'merge', { metadata: { annotations: { x: '1' } } }, undefined);
    await reg.pods.patch('default', 'a', 'merge', { metadata: { labels: { tier: null } } }, undefined);
    w.stop();
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`)).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
  });

  it('sends synthetic ADDED for resourceVersion 0 and only later changes for an exact one', async () => {
    const { reg } = await setup();
    const a = await reg.pods.create('default', pod('a'));
    const seen0: string[] = [];
    const w0 = await reg.pods.watch('default', { resourceVersion: '0' }, (e) => seen0.push(`${e.type} ${e.object.metadata?.name ?? ''}`));
    const seenN: string[] = [];
    const wN = await reg.pods.watch('default', { resourceVersion: a.metadata?.resourceVersion ?? '' }, (e) => seenN.push(`${e.type} ${e.object.metadata?.name ?? ''}`));
    await reg.pods.create('default', pod('b'));
    w0.stop();
    wN.stop();
    expect(seen0).toEqual(['ADDED a', 'ADDED b']);
    expect(seenN).toEqual(['ADDED b']);
  });

  it('serves events.k8s.io/v1 Events as views of core/v1 Events', async () => {
    const { reg } = await setup();
    await reg.events.create('default', {
      metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Started', message: 'hi', type: 'Normal', count: 1,
    });
    const v1 = await reg.store('events.k8s.io', 'v1', 'events').get('default', 'e1');
    expect(v1).toMatchObject({ apiVersion: 'events.k8s.io/v1', regarding: { name: 'p' }, note: 'hi', reason: 'Started', deprecatedCount: 1 });
    await reg.store('events.k8s.io', 'v1', 'events').create('default', {
      apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e2' }, regarding: { kind: 'Node', name: 'n' }, note: 'x', reason: 'R', type: 'Warning', eventTime: '2026-11-23T12:00:00.000000Z', reportingController: 'c', reportingInstance: 'i', action: 'A',
    });
    const core = await reg.events.list('default', { fieldSelector: 'involvedObject.kind=Node' });
    expect(core.items).toHaveLength(1);
    expect(core.items[0]).toMatchObject({ apiVersion: 'v1', involvedObject: { name: 'n' }, message: 'x' });
  });

  it('refuses a body with a field of the wrong JSON type as the decoder does, before defaulting', async () => {
    const { reg } = await setup();
    const cms = reg.store('', 'v1', 'configmaps');
    expect(await reason(cms.create('default', { metadata: { name: 5 as unknown as string } })))
      .toBe('400 BadRequest: ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
    const err = await cms.create('default', { metadata: { name: 'c', labels: { a: 1 } } }).catch((e: unknown) => e);
    expect((err as ApiError).status.details).toEqual({ causes: [{ reason: 'FieldValueTypeInvalid', field: 'metadata.labels[a]', message: 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string' }] });
    expect(await reason(reg.leases.create('default', { metadata: { name: 'l' }, spec: { leaseDurationSeconds: '40' } })))
      .toBe('400 BadRequest: Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32');
    const c = await cms.create('default', { metadata: { name: 'c', labels: null, namespace: null } } as unknown as KubeObject);
    expect(c.metadata).not.toHaveProperty('labels');
    expect(await reason(cms.update('default', 'c', { ...c, data: { a: false } }, undefined)))
      .toBe('400 BadRequest: ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal bool into Go struct field ConfigMap.data of type string');
  });

  it('refuses a patch whose result the decoder would refuse with 422 on the field "patch"', async () => {
    const { reg } = await setup();
    const cms = reg.store('', 'v1', 'configmaps');
    await cms.create('default', { metadata: { name: 'c' }, data: { a: '1' } });
    expect(await reason(cms.patch('default', 'c', 'merge', { metadata: { name: 5 } }, undefined))).toMatch(
      /^422 Invalid: {2}"" is invalid: patch: Invalid value: "\{.*\}": json: cannot unmarshal number into Go struct field ObjectMeta\.metadata\.name of type string$/,
    );
    expect(await reason(cms.patch('default', 'c', 'strategic', { data: { a: [] } }, undefined)))
      .toBe('422 Invalid:  "" is invalid: patch: Invalid value: "map[data:map[a:[]]]": json: cannot unmarshal array into Go struct field ConfigMap.data of type string');
    expect(await reason(cms.patch('default', 'c', 'json', [{ op: 'replace', path: '/metadata', value: 'x' }], undefined)))
      .toMatch(/json: cannot unmarshal string into Go struct field ConfigMap\.metadata of type v1\.ObjectMeta$/);
    expect((await cms.get('default', 'c'))['data']).toEqual({ a: '1' });
  });

  it('deletes collections only inside a namespace for namespaced kinds', async () => {
    const { reg } = await setup();
    const cms = reg.store('', 'v1', 'configmaps');
    await cms.create('default', { metadata: { name: 'c' } });
    expect(await reason(cms.deleteCollection(undefined, {}, {})))
      .toBe('405 MethodNotAllowed: the server does not allow this method on the requested resource');
    expect(await cms.deleteCollection('default', {}, {})).toHaveLength(1);
  });

  it('cuts a grace period to what a Go duration holds, so the deletion timestamp stays a valid time', async () => {
    const { reg, clock } = await setup();
    await reg.nodes.create(undefined, { metadata: { name: 'n' } });
    await reg.pods.create('default', pod('p', { terminationGracePeriodSeconds: Number.MAX_SAFE_INTEGER }));
    await bindPod(reg.pods, clock, 'default', 'p', 'n');
    const out = await reg.pods.delete('default', 'p', {});
    expect(out.deleted).toBe(false);
    expect(out.object.metadata?.['deletionGracePeriodSeconds']).toBe(9_223_372_036);
    expect(out.object.metadata?.['deletionTimestamp']).toBe(new Date(clock.now() + 9_223_372_036_000).toISOString().replace('.000Z', 'Z'));
    const again = await reg.pods.delete('default', 'p', { gracePeriodSeconds: 1e300 });
    expect(again.object.metadata?.['deletionGracePeriodSeconds']).toBe(9_223_372_036);
  });
});
