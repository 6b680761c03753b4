import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { bootstrapRegistry } from '../registry/bootstrap.ts';
import { Registry } from '../registry/registry.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import type { KubeObject } from '../storage/types.ts';
import { Scheduler } from './scheduler.ts';
import { hostPortConflicts, podHostPorts, unfitReasons, unschedulableMessage, type HostPort } from './scheduler-fit.ts';

const node: KubeObject = {
  apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' },
  status: {
    allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    conditions: [{ type: 'Ready', status: 'True' }],
  },
};

function pod(name: string, ports: Record<string, unknown>[], extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox', ports }], ...extra } };
}

const hp = (port: number, ip = '0.0.0.0', protocol = 'TCP'): HostPort => ({ ip, protocol, port });

describe('NodePorts filter', () => {
  it('reads host ports with kube defaults (no IP is 0.0.0.0, no protocol is TCP; container ports alone are none)', () => {
    expect(podHostPorts(pod('p', [{ containerPort: 80 }, { containerPort: 80, hostPort: 8080 }, { containerPort: 53, hostPort: 53, protocol: 'UDP', hostIP: '10.0.0.1' }])))
      .toEqual([hp(8080), hp(53, '10.0.0.1', 'UDP')]);
  });

  it.each([
    ['the same port on all addresses', [hp(80)], [hp(80)], true],
    ['another protocol', [hp(80)], [hp(80, '0.0.0.0', 'UDP')], false],
    ['another port', [hp(80)], [hp(81)], false],
    ['all addresses against one address', [hp(80)], [hp(80, '10.0.0.1')], true],
    ['one address against all addresses', [hp(80, '10.0.0.1')], [hp(80)], true],
    ['the same address', [hp(80, '10.0.0.1')], [hp(80, '10.0.0.1')], true],
    ['two different addresses', [hp(80, '10.0.0.1')], [hp(80, '10.0.0.2')], false],
    ['nothing used', [hp(80)], [], false],
  ] as const)('%s', (_name, want, used, conflict) => {
    expect(hostPortConflicts(want, used)).toBe(conflict);
  });

  it('refuses a node whose pods hold the port (terminal pods hold nothing), before resource checks', () => {
    const holder = pod('holder', [{ containerPort: 80, hostPort: 8080 }], { nodeName: 'n1' });
    const wants = pod('p', [{ containerPort: 80, hostPort: 8080 }]);
    expect(unfitReasons(wants, node, [holder])).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
    expect(unfitReasons(wants, node, [{ ...holder, status: { phase: 'Succeeded' } }])).toEqual([]);
    expect(unfitReasons(pod('q', [{ containerPort: 80, hostPort: 8081 }]), node, [holder])).toEqual([]);
    const big = pod('big', [{ containerPort: 80, hostPort: 8080 }]);
    (big['spec'] as { containers: Record<string, unknown>[] }).containers[0] = { name: 'c', image: 'busybox', ports: [{ containerPort: 80, hostPort: 8080 }], resources: { requests: { cpu: '8' } } };
    expect(unfitReasons(big, node, [holder])).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
  });
});

describe('the FailedScheduling message', () => {
  it.each([
    ['a port conflict (preemption finds no victims)', 1, [["node(s) didn't have free ports for the requested pod ports"]], undefined,
      "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.."],
    ['a mix of resolvable and unresolvable nodes', 3, [['Insufficient cpu'], ['node(s) were unschedulable'], ['node(s) had untolerated taint {a: b}']], undefined,
      '0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {a: b}, 1 node(s) were unschedulable. '
      + 'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling..'],
    ['a pod that may not preempt', 1, [['Insufficient cpu']], pod('p', [], { preemptionPolicy: 'Never' }),
      '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..'],
    ['no nodes at all', 0, [], undefined, 'no nodes available to schedule pods'],
  ] as const)('%s', (_name, nodes, reasons, p, message) => {
    expect(unschedulableMessage(nodes, reasons.map((r) => [...r]), p)).toBe(message);
  });
});

describe('scheduler with host ports', () => {
  it('does not bind a pod whose host port is taken on the only node, and binds it once the holder is gone', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 23, 12, 0, 0));
    const reg = new Registry(createMemoryStorage(), clock);
    await bootstrapRegistry(reg);
    const scheduler = new Scheduler({ registry: reg, clock, log: silentLogger });
    scheduler.start();
    await reg.nodes.create(undefined, node);
    await reg.pods.create('default', pod('first', [{ containerPort: 80, hostPort: 8080 }]));
    await clock.step(0);
    await scheduler.idle();
    expect((await reg.pods.get('default', 'first'))['spec']).toMatchObject({ nodeName: 'n1' });
    await reg.pods.create('default', pod('second', [{ containerPort: 80, hostPort: 8080 }]));
    await clock.step(0);
    await scheduler.idle();
    const second = await reg.pods.get('default', 'second');
    expect(second['spec']).not.toHaveProperty('nodeName');
    const message = "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod..";
    expect(second['status']).toMatchObject({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] });
    const events = await reg.events.list('default', { fieldSelector: 'involvedObject.name=second' });
    expect(events.items.map((e) => `${String(e['reason'])}: ${String(e['message'])}`)).toEqual([`FailedScheduling: ${message}`]);
    await reg.pods.delete('default', 'first', { gracePeriodSeconds: 0 });
    await clock.step(0);
    await scheduler.idle();
    expect((await reg.pods.get('default', 'second'))['spec']).toMatchObject({ nodeName: 'n1' });
    scheduler.stop();
  });
});
