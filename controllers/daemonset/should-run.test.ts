import { describe, expect, it } from 'vitest';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.d.ts';
import { nodeShouldRunDaemonPod } from './should-run.ts';
import { addOrUpdateToleration, daemonPodTolerations } from './tolerations.ts';
import { daemonSet, node, type DsOptions } from './test-fixtures.ts';

const noSchedule = (key: string, value?: string): Taint => ({ key, effect: 'NoSchedule', ...(value === undefined ? {} : { value }) });
const noExecute = (key: string): Taint => ({ key, effect: 'NoExecute' });

describe('nodeShouldRunDaemonPod', () => {
  const cases: { name: string; ds?: DsOptions; labels?: Record<string, string>; taints?: Taint[]; nodeName?: string; want: [boolean, boolean] }[] = [
    { name: 'plain node', want: [true, true] },
    { name: 'nodeSelector matches', ds: { nodeSelector: { disk: 'ssd' } }, labels: { disk: 'ssd' }, want: [true, true] },
    { name: 'nodeSelector value differs', ds: { nodeSelector: { disk: 'ssd' } }, labels: { disk: 'hdd' }, want: [false, false] },
    { name: 'nodeSelector label missing', ds: { nodeSelector: { disk: 'ssd' } }, want: [false, false] },
    { name: 'template nodeName names another node', ds: { nodeName: 'other' }, want: [false, false] },
    { name: 'template nodeName names this node', ds: { nodeName: 'n1' }, want: [true, true] },
    {
      name: 'affinity In matches', labels: { zone: 'a' },
      ds: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } } },
      want: [true, true],
    },
    {
      name: 'affinity NotIn excludes', labels: { zone: 'a' },
      ds: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }] } } } },
      want: [false, false],
    },
    {
      name: 'affinity DoesNotExist', labels: {},
      ds: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }] } } } },
      want: [true, true],
    },
    {
      name: 'affinity Gt compares integers', labels: { cores: '16' },
      ds: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }] } } } },
      want: [true, true],
    },
    {
      name: 'affinity Lt with a non-integer label fails', labels: { cores: 'many' },
      ds: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['8'] }] }] } } } },
      want: [false, false],
    },
    {
      name: 'terms are ORed, expressions ANDed', labels: { zone: 'b', disk: 'ssd' },
      ds: {
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }, { key: 'disk', operator: 'Exists' }] },
        ] } } },
      },
      want: [true, true],
    },
    {
      name: 'an empty term matches nothing',
      ds: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } } },
      want: [false, false],
    },
    {
      name: 'an invalid term (In without values) matches nothing',
      ds: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] }] } } } },
      want: [false, false],
    },
    {
      name: 'matchFields metadata.name In this node',
      ds: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } } },
      want: [true, true],
    },
    {
      name: 'matchFields metadata.name In another node',
      ds: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] } } } },
      want: [false, false],
    },
    {
      name: 'matchFields NotIn this node',
      ds: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }] } } } },
      want: [false, false],
    },
    { name: 'untolerated NoSchedule: no new pod, an existing one stays', taints: [noSchedule('dedicated', 'db')], want: [false, true] },
    { name: 'untolerated NoExecute: evicts', taints: [noExecute('dedicated')], want: [false, false] },
    { name: 'PreferNoSchedule is ignored', taints: [{ key: 'x', effect: 'PreferNoSchedule' }], want: [true, true] },
    {
      name: 'a user toleration (Equal) tolerates the taint', taints: [noSchedule('dedicated', 'db')],
      ds: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }, want: [true, true],
    },
    {
      name: 'Equal with another value does not', taints: [noSchedule('dedicated', 'db')],
      ds: { tolerations: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }] }, want: [false, true],
    },
    { name: 'tolerate-everything (Exists, no key)', taints: [noExecute('a'), noSchedule('b')], ds: { tolerations: [{ operator: 'Exists' }] }, want: [true, true] },
    { name: 'default toleration: not-ready NoExecute', taints: [noExecute('node.kubernetes.io/not-ready')], want: [true, true] },
    { name: 'default toleration: unreachable NoExecute', taints: [noExecute('node.kubernetes.io/unreachable')], want: [true, true] },
    { name: 'not-ready NoSchedule is not tolerated by default', taints: [noSchedule('node.kubernetes.io/not-ready')], want: [false, true] },
    { name: 'default toleration: disk-pressure', taints: [noSchedule('node.kubernetes.io/disk-pressure')], want: [true, true] },
    { name: 'default toleration: memory-pressure', taints: [noSchedule('node.kubernetes.io/memory-pressure')], want: [true, true] },
    { name: 'default toleration: pid-pressure', taints: [noSchedule('node.kubernetes.io/pid-pressure')], want: [true, true] },
    { name: 'default toleration: unschedulable', taints: [noSchedule('node.kubernetes.io/unschedulable')], want: [true, true] },
    { name: 'network-unavailable keeps out pod-network pods', taints: [noSchedule('node.kubernetes.io/network-unavailable')], want: [false, true] },
    { name: 'network-unavailable is tolerated by hostNetwork pods', taints: [noSchedule('node.kubernetes.io/network-unavailable')], ds: { hostNetwork: true }, want: [true, true] },
    { name: 'NoSchedule and NoExecute both untolerated', taints: [noSchedule('a'), noExecute('b')], want: [false, false] },
  ];
  it.each(cases)('$name', ({ ds, labels, taints, want }) => {
    const fit = nodeShouldRunDaemonPod(node('n1', { ...(labels === undefined ? {} : { labels }), ...(taints === undefined ? {} : { taints }) }), daemonSet('d', ds));
    expect([fit.shouldRun, fit.shouldContinueRunning]).toEqual(want);
  });
});

describe('daemon pod tolerations', () => {
  it('adds the six default tolerations in upstream order, and network-unavailable for hostNetwork', () => {
    const keys = (t: Toleration[]): string[] => t.map((x) => `${x.key ?? ''}:${x.effect ?? ''}`);
    expect(keys(daemonPodTolerations({ containers: [] }))).toEqual([
      'node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    expect(keys(daemonPodTolerations({ containers: [], hostNetwork: true })).at(-1)).toBe('node.kubernetes.io/network-unavailable:NoSchedule');
    for (const t of daemonPodTolerations({ containers: [] })) expect(t).toEqual({ key: t.key, operator: 'Exists', effect: t.effect });
  });

  it('replaces a matching toleration with tolerationSeconds in place, keeps unrelated ones', () => {
    const user: Toleration[] = [
      { key: 'a', operator: 'Exists' },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ];
    const out = daemonPodTolerations({ containers: [], tolerations: user });
    expect(out[0]).toEqual({ key: 'a', operator: 'Exists' });
    expect(out[1]).toEqual({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' });
    expect(out).toHaveLength(7);
    expect(user[1]?.tolerationSeconds).toBe(300);
  });

  it('leaves an identical toleration alone', () => {
    const t: Toleration = { key: 'k', operator: 'Exists', effect: 'NoSchedule' };
    expect(addOrUpdateToleration([t], { ...t })).toEqual([t]);
  });
});
