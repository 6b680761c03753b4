// The disruption controller's fixed names and times (pkg/controller/disruption and policy/v1).

/** kube-controller-manager's name for the controller (its --controllers flag takes it). */
export const DISRUPTION_CONTROLLER = 'disruption-controller';
/** Upstream's recorder for this controller still names the whole manager as the event source. */
export const EVENT_COMPONENT = 'controllermanager';

/**
 * DeletionTimeout: how long an entry of status.disruptedPods (a pod the eviction API let go) is
 * trusted to turn into a deletion; after it the pod counts as healthy again.
 */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;
/** stalePodDisruptionTimeout: a DisruptionTarget=True condition on a pod that was never deleted. */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000;

export const PDB_API_VERSION = 'policy/v1';
export const PDB_KIND = 'PodDisruptionBudget';

/** policy/v1 condition type and reasons. */
export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const SUFFICIENT_PODS_REASON = 'SufficientPods';
export const INSUFFICIENT_PODS_REASON = 'InsufficientPods';
export const SYNC_FAILED_REASON = 'SyncFailed';

/** v1.DisruptionTarget and the kubelet's reason, whose conditions are never stale. */
export const DISRUPTION_TARGET_CONDITION = 'DisruptionTarget';
export const TERMINATION_BY_KUBELET_REASON = 'TerminationByKubelet';
