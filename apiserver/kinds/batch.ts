// batch/v1: Job, CronJob; policy/v1: PodDisruptionBudget.
import type { KindDefinition } from './kind.ts';

export const BATCH_KINDS: readonly KindDefinition[] = [];
export const POLICY_KINDS: readonly KindDefinition[] = [];
