// apps/v1: ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet — in the order
// kube-apiserver's discovery lists them. Each kind's declaration lives in apps/<kind>.ts.
import { CONTROLLERREVISION } from './apps/controllerrevision.ts';
import { DAEMONSET } from './apps/daemonset.ts';
import { DEPLOYMENT } from './apps/deployment.ts';
import { REPLICASET } from './apps/replicaset.ts';
import { STATEFULSET } from './apps/statefulset.ts';
import type { KindDefinition } from './kind.ts';

export const APPS_KINDS: readonly KindDefinition[] = [CONTROLLERREVISION, DAEMONSET, DEPLOYMENT, REPLICASET, STATEFULSET];
