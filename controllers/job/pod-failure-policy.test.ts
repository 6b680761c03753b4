import type { PodFailurePolicy } from 'kubernetes-types/batch/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { matchPodFailurePolicy } from './pod-failure-policy.ts';
import { makePod } from './testing.ts';

const policy: PodFailurePolicy = {
  rules: [
    { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42, 43] } },
    { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
    { action: 'FailIndex', onExitCodes: { operator: 'In', values: [2] } },
  ],
};

describe('matchPodFailurePolicy', () => {
  it.each([
    ['no policy match (exit 1)', { exitCode: 1 }, { action: undefined, countFailed: true, failJobMessage: undefined }],
    ['Ignore on a condition', { exitCode: 42, conditions: [{ type: 'DisruptionTarget', status: 'True' }] }, { action: 'Ignore', countFailed: false }],
    ['condition with another status does not match', { exitCode: 1, conditions: [{ type: 'DisruptionTarget', status: 'False' }] }, { action: undefined }],
    ['FailJob on an exit code', { exitCode: 43 }, { action: 'FailJob', countFailed: true, failJobMessage: 'Container main for pod default/p failed with exit code 43 matching FailJob rule at index 1' }],
    ['Count via NotIn', { exitCode: 7 }, { action: 'Count', countFailed: true }],
    ['FailIndex', { exitCode: 2 }, { action: 'FailIndex', countFailed: true }],
    ['exit code 0 never matches', { exitCode: 0 }, { action: undefined }],
  ] as const)('%s', (_name, o, want) => {
    const pod = makePod('p', { phase: 'Failed', exitCode: o.exitCode, ...('conditions' in o ? { conditions: [...o.conditions] } : {}) });
    expect(matchPodFailurePolicy(policy, pod)).toMatchObject(want);
  });

  it('no policy counts every failure', () => {
    expect(matchPodFailurePolicy(undefined, makePod('p', { phase: 'Failed' }))).toEqual({ action: undefined, countFailed: true, failJobMessage: undefined });
  });
});
