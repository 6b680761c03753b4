// The names and numbers the DaemonSet controller writes and reads (k8s.io/api apps/v1 and core/v1
// constants, daemon_controller.go).

/** apps.DefaultDaemonSetUniqueLabelKey (= ControllerRevisionHashLabelKey): the revision a pod was made from. */
export const REVISION_HASH_LABEL = 'controller-revision-hash';
/** extensions.DaemonSetTemplateGenerationKey: kept on pods for compatibility with pre-history pods. */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** apps.DeprecatedTemplateGeneration: where the v1 API carries the internal spec.templateGeneration. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export const COMPONENT = 'daemonset-controller';
export const CONTROLLER_KIND = 'DaemonSet';
export const CONTROLLER_API_VERSION = 'apps/v1';

/** BurstReplicas: at most this many creations (and deletions) per sync. */
export const BURST_REPLICAS = 250;
/** Defaulted by the API server; used when a stored object lacks it. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** The taints node lifecycle and TaintNodesByCondition put on nodes (core/v1 well_known_taints.go). */
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** Event reasons of the controller (daemon_controller.go). */
export const REASON_SELECTING_ALL = 'SelectingAll';
export const REASON_FAILED_DAEMON_POD = 'FailedDaemonPod';
export const REASON_SUCCEEDED_DAEMON_POD = 'SucceededDaemonPod';
