// apps/v1: Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision.
import type { KindDefinition } from './kind.ts';

export const APPS_KINDS: readonly KindDefinition[] = [];
