import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { Registry } from '../registry/registry.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import type { KubeObject } from '../storage/types.ts';
import { NamespaceController } from './namespace-controller.ts';
import { NodeLifecycleController } from './node-lifecycle.ts';
import { Scheduler } from './scheduler.ts';
import { unfitReasons, unschedulableMessage } from './scheduler-fit.ts';
import { bootstrapRegistry } from '../registry/bootstrap.ts';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

async function setup(): Promise<{ reg: Registry; clock: FakeClock }> {
  const clock = new FakeClock(T0);
  const reg = new Registry(createMemoryStorage(), clock);
  await bootstrapRegistry(reg);
  return { reg, clock };
}

function node(name: string, extra: { labels?: Record<string, string>; cpu?: string; pods?: string; ready?: boolean; taints?: unknown[] } = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(extra.labels ?? {}) } },
    spec: extra.taints === undefined ? {} : { taints: extra.taints },
    status: {
      capacity: { cpu: extra.cpu ?? '2', memory: '4Gi', pods: extra.pods ?? '110' },
      allocatable: { cpu: extra.cpu ?? '2', memory: '4Gi', pods: extra.pods ?? '110' },
      conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  };
}

function pod(name: string, extra: { cpu?: string; nodeSelector?: Record<string, string>; tolerations?: unknown[]; nodeName?: string } = {}): KubeObject {
  const spec: Record<string, unknown> = {
    containers: [{ name: 'c', image: 'busybox', ...(extra.cpu === undefined ? {} : { resources: { requests: { cpu: extra.cpu } } }) }],
  };
  if (extra.nodeSelector !== undefined) spec['nodeSelector'] = extra.nodeSelector;
  if (extra.tolerations !== undefined) spec['tolerations'] = extra.tolerations;
  if (extra.nodeName !== undefined) spec['nodeName'] = extra.nodeName;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec };
}

describe('scheduler fit', () => {
  it('explains why nodes do not fit, in kube words', () => {
    expect(unfitReasons(pod('p', { nodeSelector: { disk: 'ssd' } }), node('n1'), [])).toEqual(["node(s) didn't match Pod's node affinity/selector"]);
    expect(unfitReasons(pod('p', { cpu: '3' }), node('n1'), [])).toEqual(['Insufficient cpu']);
    expect(unfitReasons(pod('p', { cpu: '500m' }), node('n1'), [pod('q', { cpu: '1600m' })])).toEqual(['Insufficient cpu']);
    expect(unfitReasons(pod('p'), node('n1', { pods: '1' }), [pod('q')])).toEqual(['Too many pods']);
    const tainted = node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    expect(unfitReasons(pod('p'), tainted, [])).toEqual(['node(s) had untolerated taint {dedicated: gpu}']);
    expect(unfitReasons(pod('p', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }), tainted, [])).toEqual([]);
    expect(unfitReasons(pod('p'), node('n1', { ready: false }), [])).toEqual(['node(s) had untolerated taint {node.kubernetes.io/not-ready: }']);
    expect(unschedulableMessage(1, [["node(s) didn't match Pod's node affinity/selector"]]))
      .toBe("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..");
    expect(unschedulableMessage(3, [['Insufficient cpu'], ['Too many pods'], ['Insufficient cpu']]))
      .toBe('0/3 nodes are available: 1 Too many pods, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..');
  });
});

describe('scheduler', () => {
  it('binds to a fitting node with a Scheduled event, and retries unschedulable pods when nodes change', async () => {
    const { reg, clock } = await setup();
    const scheduler = new Scheduler({ registry: reg, clock, log: silentLogger });
    scheduler.start();
    await reg.nodes.create(undefined, node('small', { cpu: '1' }));
    await reg.pods.create('default', pod('web', { cpu: '500m' }));
    await clock.step(0);
    await scheduler.idle();
    const web = await reg.pods.get('default', 'web');
    expect(web['spec']).toMatchObject({ nodeName: 'small' });
    const events = await reg.events.list('default', { fieldSelector: 'involvedObject.name=web' });
    expect(events.items.map((e) => `${String(e['reason'])}: ${String(e['message'])}`)).toEqual(['Scheduled: Successfully assigned default/web to small']);

    await reg.pods.create('default', pod('ssd', { nodeSelector: { disk: 'ssd' } }));
    await clock.step(0);
    await scheduler.idle();
    const ssd = await reg.pods.get('default', 'ssd');
    expect(ssd['spec']).not.toHaveProperty('nodeName');
    expect(ssd['status']).toMatchObject({
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.." }],
    });

    await reg.nodes.create(undefined, node('fast', { labels: { disk: 'ssd' } }));
    await clock.step(0);
    await scheduler.idle();
    expect((await reg.pods.get('default', 'ssd'))['spec']).toMatchObject({ nodeName: 'fast' });
    expect((await reg.pods.get('default', 'ssd'))['status']).toMatchObject({ conditions: [{ type: 'PodScheduled', status: 'True' }] });
    scheduler.stop();
  });
});

describe('node lifecycle', () => {
  it('marks a node Unknown and unreachable after 40 s without lease renewal, and clears it on renewal', async () => {
    const { reg, clock } = await setup();
    const ctl = new NodeLifecycleController({ registry: reg, clock, log: silentLogger });
    await reg.nodes.create(undefined, node('n1'));
    const lease = await reg.leases.create('kube-node-lease', { metadata: { name: 'n1' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } });
    const p = await reg.pods.create('default', pod('p', { nodeName: 'n1' }));
    await reg.pods.update('default', 'p', { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }] } }, 'status');

    await ctl.monitor();
    await clock.step(30_000);
    await ctl.monitor();
    expect((await reg.nodes.get(undefined, 'n1'))['spec']).toEqual({});

    await clock.step(15_000);
    await ctl.monitor();
    const n = await reg.nodes.get(undefined, 'n1');
    expect(n['spec']).toMatchObject({ taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] });
    const conditions = (n['status'] as { conditions: { type: string }[] }).conditions;
    expect(conditions.map((c) => c.type)).toEqual(['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']);
    expect(conditions[0]).toMatchObject({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    const readyOf = async (): Promise<unknown> => ((await reg.pods.get('default', 'p'))['status'] as { conditions: { type: string }[] }).conditions.find((c) => c.type === 'Ready');
    expect(await readyOf()).toMatchObject({ status: 'False' });

    await reg.leases.update('kube-node-lease', 'n1', { ...lease, spec: { holderIdentity: 'n1', renewTime: '2026-11-23T12:00:45.000000Z' } }, undefined);
    await clock.step(5_000);
    await ctl.monitor();
    const back = await reg.nodes.get(undefined, 'n1');
    expect(back['spec']).toEqual({});
    expect((back['status'] as { conditions: unknown[] }).conditions[0]).toMatchObject({ type: 'Ready', status: 'True' });
    expect(await readyOf()).toMatchObject({ status: 'True' });
    expect(await reg.pods.list(undefined)).toMatchObject({ items: [{ metadata: { name: 'p' } }] });
  });
});

describe('namespace controller', () => {
  it('creates the default service account and removes a deleted namespace with its content', async () => {
    const { reg, clock } = await setup();
    const ctl = new NamespaceController({ registry: reg, clock, log: silentLogger, caCert: 'PEM', recheckMs: 1000 });
    ctl.start();
    await reg.namespaces.create(undefined, { metadata: { name: 'team' } });
    await clock.step(0);
    expect((await reg.serviceAccounts.get('team', 'default')).metadata?.name).toBe('default');
    expect((await reg.store('', 'v1', 'configmaps').get('team', 'kube-root-ca.crt'))['data']).toEqual({ 'ca.crt': 'PEM' });
    await reg.store('', 'v1', 'configmaps').create('team', { metadata: { name: 'c' } });
    const bound = await reg.pods.create('team', pod('p', { nodeName: 'n1' }));

    const del = await reg.namespaces.delete(undefined, 'team', {});
    expect(del.object['status']).toEqual({ phase: 'Terminating' });
    await clock.step(0);
    // The bound pod waits for its node; the namespace stays Terminating meanwhile.
    expect((await reg.namespaces.get(undefined, 'team'))['status']).toEqual({ phase: 'Terminating' });
    expect((await reg.store('', 'v1', 'configmaps').list('team')).items).toEqual([]);
    expect((await reg.pods.get('team', 'p')).metadata?.['deletionTimestamp']).toBeDefined();
    await reg.pods.delete('team', 'p', { gracePeriodSeconds: 0, preconditions: { uid: String(bound.metadata?.['uid']) } });
    await clock.step(1000);
    await expect(reg.namespaces.get(undefined, 'team')).rejects.toThrow('namespaces "team" not found');
    ctl.stop();
  });
});
