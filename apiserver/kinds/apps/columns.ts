// Column definitions of the apps printers (pkg/printers/internalversion/printers.go), with the
// descriptions kube takes from the extensions/v1beta1 and apps/v1beta1 swagger docs (k8s.io/api
// v0.32) and the column types it declares.
import { AGE, NAME, type TableColumnDefinition } from '../../api/tables.ts';

function column(name: string, type: 'string' | 'integer', description: string, priority = 0): TableColumnDefinition {
  return { name, type, format: '', description, priority };
}

const CONTAINERS = column('Containers', 'string', 'Names of each container in the template.', 1);
const IMAGES = column('Images', 'string', 'Images referenced by each container in the template.', 1);
const READY_PODS = column('Ready', 'string', 'Number of the pod with ready state');

export const DEPLOYMENT_COLUMNS: readonly TableColumnDefinition[] = [
  NAME,
  READY_PODS,
  column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
  column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
  AGE,
  CONTAINERS,
  IMAGES,
  column('Selector', 'string', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
];

export const REPLICASET_COLUMNS: readonly TableColumnDefinition[] = [
  NAME,
  column('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller'),
  column('Current', 'integer', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller'),
  column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
  AGE,
  CONTAINERS,
  IMAGES,
  column('Selector', 'string', 'Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
];

export const STATEFULSET_COLUMNS: readonly TableColumnDefinition[] = [NAME, READY_PODS, AGE, CONTAINERS, IMAGES];

export const DAEMONSET_COLUMNS: readonly TableColumnDefinition[] = [
  NAME,
  column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
  column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/'),
  column('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
  column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
  column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
  column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
  AGE,
  CONTAINERS,
  IMAGES,
  column('Selector', 'string', 'A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
];

export const CONTROLLERREVISION_COLUMNS: readonly TableColumnDefinition[] = [
  NAME,
  column('Controller', 'string', 'Controller of the object'),
  column('Revision', 'string', 'revision indicates the revision of the state represented by Data.'),
  AGE,
];
