// Every label key nodelet writes on the engine lives here: they drive both state recovery
// after an agent restart and clean-up of leaked containers (by label, never by name).

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const LABEL_DOCKER_TYPE = 'io.kubernetes.docker.type';
export const LABEL_SANDBOX_ID = 'io.kubernetes.sandbox.id';
/** Marks everything nodelet created, so `make down` and tests clean up only their own. */
export const LABEL_MANAGED_BY = 'io.nodelet.managed-by';
export const MANAGED_BY_VALUE = 'nodelet';
/** Which nodelet instance (node name) created it: several agents may share one engine. */
export const LABEL_NODE_NAME = 'io.nodelet.node';
export const LABEL_ATTEMPT = 'io.nodelet.attempt';

export const SANDBOX_CONTAINER_NAME = 'POD';
export const DOCKER_TYPE_SANDBOX = 'podsandbox';
export const DOCKER_TYPE_CONTAINER = 'container';

/** Annotations are stored as labels with this prefix (Docker has only immutable labels). */
export const ANNOTATION_PREFIX = 'annotation.';

// Annotation keys the agent writes for recovery (values are strings).
export const ANN_CONTAINER_HASH = 'io.kubernetes.container.hash';
export const ANN_HASH_SCHEME = 'io.nodelet.container.hashScheme';
export const ANN_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANN_CONTAINER_TYPE = 'io.kubernetes.container.type';
export const ANN_PRESTOP_HANDLER = 'io.kubernetes.container.preStopHandler';
export const ANN_TERMINATION_GRACE = 'io.kubernetes.pod.terminationGracePeriod';
export const ANN_TERMINATION_MESSAGE_PATH = 'io.kubernetes.container.terminationMessagePath';
export const ANN_TERMINATION_MESSAGE_POLICY = 'io.kubernetes.container.terminationMessagePolicy';
export const ANN_CONTAINER_PORTS = 'io.kubernetes.container.ports';

export function sandboxName(pod: { name: string; namespace: string; uid: string }, attempt: number): string {
  return `k8s_${SANDBOX_CONTAINER_NAME}_${pod.name}_${pod.namespace}_${pod.uid}_${attempt}`;
}

export function containerName(container: string, pod: { name: string; namespace: string; uid: string }, attempt: number): string {
  return `k8s_${container}_${pod.name}_${pod.namespace}_${pod.uid}_${attempt}`;
}
