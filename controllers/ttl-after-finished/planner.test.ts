import type { Job } from 'kubernetes-types/batch/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { planTtl } from './planner.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function job(ttl: number | undefined, conditions: { type: string; status: string; at?: number }[], deleting = false): Job {
  return {
    metadata: { name: 'pi', namespace: 'default', uid: 'u', ...(deleting ? { deletionTimestamp: at(T0) } : {}) },
    spec: { template: {}, ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }) },
    status: { conditions: conditions.map((c) => ({ type: c.type, status: c.status, ...(c.at === undefined ? {} : { lastTransitionTime: at(c.at) }) })) },
  };
}

describe('planTtl', () => {
  it.each([
    ['no TTL', job(undefined, [{ type: 'Complete', status: 'True', at: T0 }]), T0 + 1e6, { kind: 'ignore' }],
    ['not finished', job(0, [{ type: 'SuccessCriteriaMet', status: 'True', at: T0 }]), T0, { kind: 'ignore' }],
    ['FailureTarget is not finished', job(0, [{ type: 'FailureTarget', status: 'True', at: T0 }]), T0, { kind: 'ignore' }],
    ['Complete False is not finished', job(0, [{ type: 'Complete', status: 'False', at: T0 }]), T0, { kind: 'ignore' }],
    ['being deleted', job(0, [{ type: 'Complete', status: 'True', at: T0 }], true), T0, { kind: 'ignore' }],
    ['ttl 0 expires at once', job(0, [{ type: 'Complete', status: 'True', at: T0 }]), T0, { kind: 'expired', expiredAt: T0 }],
    ['failed jobs too', job(100, [{ type: 'FailureTarget', status: 'True', at: T0 - 5000 }, { type: 'Failed', status: 'True', at: T0 }]), T0 + 100_000, { kind: 'expired', expiredAt: T0 + 100_000 }],
    ['waits until expiry', job(100, [{ type: 'Complete', status: 'True', at: T0 }]), T0 + 40_500, { kind: 'wait', afterMs: 59_500 }],
    ['finished in the future (clock skew): waits longer', job(10, [{ type: 'Complete', status: 'True', at: T0 + 5000 }]), T0, { kind: 'wait', afterMs: 15_000 }],
    ['no transition time', job(10, [{ type: 'Complete', status: 'True' }]), T0, { kind: 'error', message: 'unable to find the time when the Job default/pi finished' }],
  ] as const)('%s', (_name, j, now, want) => {
    expect(planTtl(j, now)).toEqual(want);
  });
});
