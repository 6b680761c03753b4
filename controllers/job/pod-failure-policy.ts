// spec.podFailurePolicy (pod_failure_policy.go): the first rule matching a failed pod decides
// whether the failure counts towards backoffLimit (Count, FailIndex, FailJob) or not (Ignore), and
// a FailJob match fails the whole job with a message naming the container or condition.
import type { PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement } from 'kubernetes-types/batch/v1.d.ts';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.d.ts';

export type PodFailureAction = 'Count' | 'FailIndex' | 'FailJob' | 'Ignore';

export interface PodFailureMatch {
  /** Present when a FailJob rule matched. */
  failJobMessage: string | undefined;
  /** Whether the failure counts towards the backoff limit. */
  countFailed: boolean;
  action: PodFailureAction | undefined;
}

const NO_MATCH: PodFailureMatch = { failJobMessage: undefined, countFailed: true, action: undefined };

function exitCodeMatches(code: number, req: PodFailurePolicyOnExitCodesRequirement): boolean {
  if (req.operator === 'In') return req.values.includes(code);
  if (req.operator === 'NotIn') return !req.values.includes(code);
  return false;
}

/** getMatchingContainerFromList: a terminated, non-zero container matching the requirement. */
function matchingContainer(statuses: readonly ContainerStatus[], req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  return statuses.find((cs) => {
    const term = cs.state?.terminated;
    if (term === undefined) return false;
    if (req.containerName !== undefined && req.containerName !== cs.name) return false;
    return term.exitCode !== 0 && exitCodeMatches(term.exitCode, req);
  });
}

/** matchPodFailurePolicy. */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PodFailureMatch {
  if (policy === undefined) return NO_MATCH;
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  for (const [index, rule] of policy.rules.entries()) {
    let subject: string | undefined;
    if (rule.onExitCodes !== undefined) {
      const req = rule.onExitCodes;
      const cs = matchingContainer(pod.status?.containerStatuses ?? [], req) ?? matchingContainer(pod.status?.initContainerStatuses ?? [], req);
      if (cs !== undefined) subject = `Container ${cs.name} for pod ${ns}/${name} failed with exit code ${cs.state?.terminated?.exitCode ?? 0}`;
    } else if (rule.onPodConditions !== undefined) {
      const patterns = rule.onPodConditions;
      const cond = (pod.status?.conditions ?? []).find((c) => patterns.some((p) => p.type === c.type && p.status === c.status));
      if (cond !== undefined) subject = `Pod ${ns}/${name} has condition ${cond.type}`;
    }
    if (subject === undefined) continue;
    switch (rule.action) {
      case 'Ignore': return { failJobMessage: undefined, countFailed: false, action: 'Ignore' };
      case 'Count': return { failJobMessage: undefined, countFailed: true, action: 'Count' };
      case 'FailJob': return { failJobMessage: `${subject} matching FailJob rule at index ${index}`, countFailed: true, action: 'FailJob' };
      case 'FailIndex': return { failJobMessage: undefined, countFailed: true, action: 'FailIndex' };
      default: continue;
    }
  }
  return NO_MATCH;
}
