// spec.successPolicy of Indexed jobs (success_policy.go, JobSuccessPolicy is on in 1.32): the
// job succeeds early once a rule's succeededIndexes have all succeeded, or succeededCount of them
// (or succeededCount indexes overall for a rule without indexes).
import type { SuccessPolicy } from 'kubernetes-types/batch/v1.d.ts';
import { parseIntervals, totalOf, type Intervals } from './intervals.ts';

/** matchSucceededIndexesRule: how many of the rule's indexes succeeded, against what it needs. */
function ruleMet(rule: Intervals, succeeded: Intervals, count: number | undefined): boolean {
  let contains = 0;
  let r = 0;
  let s = 0;
  while (r < rule.length && s < succeeded.length) {
    const ri = rule[r] as Intervals[number];
    const si = succeeded[s] as Intervals[number];
    const overlap = Math.min(ri.last, si.last) - Math.max(ri.first, si.first) + 1;
    if (overlap > 0) contains += overlap;
    if (si.last < ri.last) s++;
    else if (si.last > ri.last) r++;
    else {
      s++;
      r++;
    }
  }
  return contains === totalOf(rule) || (count !== undefined && contains >= count);
}

/** matchSuccessPolicy: the SuccessCriteriaMet message when a rule is met. */
export function matchSuccessPolicy(policy: SuccessPolicy | undefined, completions: number, succeeded: Intervals): string | undefined {
  if (policy === undefined || succeeded.length === 0) return undefined;
  for (const [index, rule] of policy.rules.entries()) {
    if (rule.succeededIndexes !== undefined) {
      const required = parseIntervals(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      if (ruleMet(required, succeeded, rule.succeededCount)) return `Matched rules at index ${index}`;
    } else if (rule.succeededCount !== undefined && totalOf(succeeded) >= rule.succeededCount) {
      return `Matched rules at index ${index}`;
    }
  }
  return undefined;
}
