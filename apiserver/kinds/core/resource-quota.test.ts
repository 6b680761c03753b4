import { describe, expect, it } from 'vitest';
import type { Obj } from './common.ts';
import { LIMIT_RANGE_KIND } from './limit-range.ts';
import { RESOURCE_QUOTA_KIND, RESOURCE_QUOTA_TABLE } from './resource-quota.ts';
import { create, created, NOW, update } from './testing.ts';

const quota = (spec: Obj, status?: Obj): Obj => ({ metadata: { name: 'q' }, spec, ...(status === undefined ? {} : { status }) });
const limits = (items: unknown): Obj => ({ metadata: { name: 'lr' }, spec: { limits: items } });

describe('ResourceQuota', () => {
  it('what `kubectl create quota q --hard=pods=10` stores: the status is the controller\'s', () => {
    const obj = created(RESOURCE_QUOTA_KIND, quota({ hard: { pods: '10', 'requests.memory': '1024Mi', 'limits.cpu': 0.5 } }, { hard: { pods: '99' } }));
    expect(obj['spec']).toEqual({ hard: { pods: '10', 'requests.memory': '1Gi', 'limits.cpu': '500m' } });
    expect(obj['status']).toEqual({});
  });

  const cases: [string, Obj, string[]][] = [
    ['resource names for quota', { hard: { foo: '1', 'example.com/gpu': '1', 'count/deployments.apps': '2', 'requests.cpu': '1' } }, [
      'spec.hard[foo]: Invalid value: "foo": must be a standard resource type or fully qualified',
      'spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota',
    ]],
    ['counts are whole and nothing is negative', { hard: { pods: '1500m', 'count/deployments.apps': '0.5', cpu: '-1' } }, [
      'spec.hard[pods]: Invalid value: "1500m": must be an integer',
      'spec.hard[count/deployments.apps]: Invalid value: "500m": must be an integer',
      'spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0',
    ]],
    ['scopes must apply to the resources and not conflict', { hard: { pods: '1', 'requests.storage': '1Gi' }, scopes: ['BestEffort', 'NotBestEffort', 'Sometimes'] }, [
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort", "Sometimes"}: unsupported scope applied to resource',
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort", "Sometimes"}: unsupported scope applied to resource',
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort", "Sometimes"}: unsupported scope',
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort", "Sometimes"}: conflicting scopes',
    ]],
    ['scope selectors', { hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'Terminating', operator: 'In', values: ['x'] }, { scopeName: 'PriorityClass', operator: 'In' }] } }, [
      "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
      "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
    ]],
  ];
  for (const [name, spec, want] of cases) it(name, () => { expect(create(RESOURCE_QUOTA_KIND, quota(spec)).errors).toEqual(want); });

  it('scopes are immutable; spec writes keep the status; status writes are checked', () => {
    const old = created(RESOURCE_QUOTA_KIND, quota({ hard: { pods: '10' }, scopes: ['NotTerminating'] }));
    expect(update(RESOURCE_QUOTA_KIND, old, quota({ hard: { pods: '20' } })).errors).toEqual(['spec.scopes: Invalid value: []core.ResourceQuotaScope(nil): field is immutable']);
    const status = update(RESOURCE_QUOTA_KIND, old, quota({}, { hard: { pods: '10' }, used: { pods: '1.5' } }), 'status');
    expect(status.errors).toEqual(['status.used[pods]: Invalid value: "1500m": must be an integer']);
    expect(status.obj['spec']).toEqual(old['spec']);
    expect(update(RESOURCE_QUOTA_KIND, old, quota({ hard: { pods: '20' }, scopes: ['NotTerminating'] }, { hard: { pods: '1' } })).obj['status']).toEqual({});
  });

  it('prints REQUEST and LIMIT from the status (Name, Age, Request, Limit in 1.32)', () => {
    expect(RESOURCE_QUOTA_TABLE.columns.map((c) => c.name)).toEqual(['Name', 'Age', 'Request', 'Limit']);
    const obj = { ...created(RESOURCE_QUOTA_KIND, quota({ hard: { pods: '10' } })), status: { hard: { pods: '10', 'limits.cpu': '2', 'requests.cpu': '1', 'limits.memory': '1Gi' }, used: { pods: '3', 'limits.cpu': '500m' } } };
    expect(RESOURCE_QUOTA_TABLE.row(obj, NOW).cells).toEqual(['q', '5m', 'pods: 3/10, requests.cpu: 0/1', 'limits.cpu: 500m/2, limits.memory: 0/1Gi']);
    expect(RESOURCE_QUOTA_TABLE.row(created(RESOURCE_QUOTA_KIND, quota({ hard: { pods: '10' } })), NOW).cells).toEqual(['q', '5m', '', '']);
  });
});

describe('LimitRange', () => {
  it('a Container item gets its default limit from max and its default request from the default or min', () => {
    const obj = created(LIMIT_RANGE_KIND, limits([
      { type: 'Container', max: { cpu: '2', memory: '1Gi' }, min: { cpu: '100m', 'ephemeral-storage': '1Mi' }, default: { memory: '512Mi' } },
      { type: 'Pod', max: { cpu: '4' } },
    ]));
    expect((obj['spec'] as { limits: Obj[] }).limits).toEqual([
      {
        type: 'Container', max: { cpu: '2', memory: '1Gi' }, min: { cpu: '100m', 'ephemeral-storage': '1Mi' },
        default: { memory: '512Mi', cpu: '2' }, defaultRequest: { memory: '512Mi', cpu: '2', 'ephemeral-storage': '1Mi' },
      },
      { type: 'Pod', max: { cpu: '4' } },
    ]);
    expect(created(LIMIT_RANGE_KIND, { metadata: { name: 'lr' } })['spec']).toEqual({ limits: null });
  });

  const cases: [string, unknown, string[]][] = [
    ['limit types', [{ type: 'Node' }, { type: 'Pod' }, { type: 'Pod' }], [
      'spec.limits[0].type: Invalid value: "Node": must be a standard limit type or fully qualified',
      'spec.limits[2].type: Duplicate value: "Pod"',
    ]],
    ['resource names per type', [{ type: 'Container', max: { pods: '1' } }], [
      'spec.limits[0].max[pods]: Invalid value: "pods": must be a standard resource for containers',
      'spec.limits[0].default[pods]: Invalid value: "pods": must be a standard resource for containers',
      'spec.limits[0].defaultRequest[pods]: Invalid value: "pods": must be a standard resource for containers',
    ]],
    ['Pod items take no defaults', [{ type: 'Pod', default: { cpu: '1' }, defaultRequest: { cpu: '1' } }], [
      "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
      "spec.limits[0].defaultRequest: Forbidden: may not be specified when `type` is 'Pod'",
    ]],
    ['claims need a storage bound', [{ type: 'PersistentVolumeClaim', max: { cpu: '1' } }], [
      'spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided',
    ]],
    ['min <= defaultRequest <= default <= max', [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '2' }, default: { cpu: '3' }, defaultRequest: { cpu: '500m' } }], [
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      'spec.limits[0].defaultRequest[cpu]: Invalid value: "500m": min value 2 is greater than default request value 500m',
      'spec.limits[0].default[cpu]: Invalid value: "1": default value 3 is greater than max value 1',
    ]],
    ['ratios', [{ type: 'Container', max: { cpu: '1' }, min: { cpu: '500m' }, maxLimitRequestRatio: { cpu: '3', memory: '500m' } }], [
      'spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "3": ratio 3 is greater than max/min = 2.000000',
      'spec.limits[0].maxLimitRequestRatio[memory]: Invalid value: "500m": ratio 500m is less than 1',
    ]],
    ['extended resources may not overcommit', [{ type: 'Container', default: { 'example.com/gpu': '2' }, defaultRequest: { 'example.com/gpu': '1' } }], [
      'spec.limits[0].defaultRequest[example.com/gpu]: Invalid value: "1": default value 2 must equal to defaultRequest value 1 in example.com/gpu',
    ]],
  ];
  for (const [name, items, want] of cases) it(name, () => { expect(create(LIMIT_RANGE_KIND, limits(items)).errors).toEqual(want); });

  it('updates validate the same way', () => {
    const old = created(LIMIT_RANGE_KIND, limits([{ type: 'Container', max: { cpu: '1' } }]));
    expect(update(LIMIT_RANGE_KIND, old, limits([{ type: 'Container', max: { cpu: '2' } }])).errors).toEqual([]);
    expect(update(LIMIT_RANGE_KIND, old, limits([{ type: 'Node' }])).errors).toEqual(['spec.limits[0].type: Invalid value: "Node": must be a standard limit type or fully qualified']);
  });

  it('has no printer: kubectl shows Name and Created At', () => {
    expect(LIMIT_RANGE_KIND.table).toBeUndefined();
    expect(LIMIT_RANGE_KIND.shortNames).toEqual(['limits']);
  });
});
