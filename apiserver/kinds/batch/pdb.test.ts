import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../api/errors.ts';
import { POLICY_KINDS } from '../batch.ts';
import type { Obj } from './values.ts';

const found = POLICY_KINDS.find((k) => k.kind === 'PodDisruptionBudget');
if (found === undefined) throw new Error('no PodDisruptionBudget kind');
const kind = found;

function pdb(spec: Obj, name = 'p'): Obj {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default', uid: 'u' }, spec, status: { disruptionsAllowed: 9 } };
}

function create(obj: Obj): string[] {
  kind.prepareForCreate(obj);
  return kind.validate(obj).map(fieldErrorString);
}

describe('PodDisruptionBudget', () => {
  it('resets the status to the v1 zero counters and sets generation 1', () => {
    const obj = pdb({ minAvailable: 1, selector: { matchLabels: { app: 'x' } } });
    expect(create(obj)).toEqual([]);
    expect(obj['status']).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    expect((obj['metadata'] as Obj)['generation']).toBe(1);
    expect(kind.strategy.allowUnconditionalUpdate).toBe(false);
  });

  it.each<[string, Obj, string[]]>([
    ['both bounds', { minAvailable: 1, maxUnavailable: 1 }, [
      'spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:(*intstr.IntOrString)(0xc000000000), Selector:(*v1.LabelSelector)(nil), MaxUnavailable:(*intstr.IntOrString)(0xc000000000), UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}: minAvailable and maxUnavailable cannot be both set',
    ]],
    ['a negative count', { minAvailable: -1 }, ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']],
    ['a bad percent', { maxUnavailable: '50' }, [
      "spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"50\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ]],
    ['over 100%', { minAvailable: '101%' }, ['spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"101%"}: must not be greater than 100%']],
    ['a bad selector', { selector: { matchExpressions: [{ key: 'a', operator: 'Near', values: [] }, { key: 'b', operator: 'In' }] } }, [
      'spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
      "spec.selector.matchExpressions[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]],
    ['an eviction policy', { unhealthyPodEvictionPolicy: 'Never' },
      ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"']],
  ])('refuses %s', (_what, spec, expected) => {
    expect(create(pdb(spec))).toEqual(expected);
  });

  it('checks names only as path segments, and only once the spec is valid', () => {
    expect(create(pdb({ minAvailable: '50%' }, 'Not_A.DNS-Name'))).toEqual([]);
    expect(create(pdb({ minAvailable: '50%' }, 'a/b'))).toEqual(['metadata.name: Invalid value: "a/b": may not contain \'/\'']);
    expect(create(pdb({ minAvailable: -1 }, 'a/b'))).toEqual(['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
  });

  it('lets the selector change and bumps the generation on spec changes only', () => {
    const old = pdb({ minAvailable: 1, selector: { matchLabels: { app: 'x' } } });
    create(old);
    const next = structuredClone(old);
    (next['spec'] as Obj)['selector'] = { matchLabels: { app: 'y' } };
    next['status'] = { disruptionsAllowed: 5 };
    kind.prepareForUpdate(next, old, '');
    expect(kind.validateUpdate(next, old)).toEqual([]);
    expect((next['metadata'] as Obj)['generation']).toBe(2);
    expect(next['status']).toEqual(old['status']);
  });

  it('refuses negative status counters on a status write', () => {
    const old = pdb({ minAvailable: 1 });
    create(old);
    const next = structuredClone(old);
    next['status'] = { disruptionsAllowed: -1, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    kind.prepareForUpdate(next, old, 'status');
    expect(kind.validateUpdate(next, old).map(fieldErrorString)).toEqual(['status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0']);
  });

  it('survives values of the wrong JSON type', () => {
    for (const spec of [{ minAvailable: {} }, { selector: 'x' }, { selector: { matchLabels: 5, matchExpressions: [1, null] } }, { unhealthyPodEvictionPolicy: 1 }]) {
      expect(() => create(pdb(spec))).not.toThrow();
    }
  });
});
