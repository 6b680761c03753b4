// Pod + container → ContainerConfig (kuberuntime generateContainerConfig): environment and
// `$(VAR)`-expanded command/args, mounts (volumes, managed /etc/hosts, termination message file),
// resources, security, and the annotations that let the agent rebuild its state after a restart.
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { ContainerConfig, ContainerType, Mount } from '../../runtime/types.ts';
import {
  ANN_CONTAINER_HASH, ANN_CONTAINER_PORTS, ANN_CONTAINER_TYPE, ANN_HASH_SCHEME, ANN_PRESTOP_HANDLER, ANN_RESTART_COUNT,
  ANN_TERMINATION_GRACE, ANN_TERMINATION_MESSAGE_PATH, ANN_TERMINATION_MESSAGE_POLICY,
  LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID,
} from '../../runtime/labels.ts';
import { expandCommandAndArgs } from '../env/expansion.ts';
import type { ObjectLookup } from '../env/object-lookup.ts';
import { resolveEnv, type EnvWarning } from '../env/resolve-env.ts';
import type { NodeAllocatable } from '../env/resource-field.ts';
import { makeContainerMounts } from '../volumes/container-mounts.ts';
import type { PodVolumes } from '../volumes/pod-volumes.ts';
import { DEFAULT_TERMINATION_MESSAGE_PATH, prepareTerminationMessageFile } from '../volumes/termination-message.ts';
import { CONTAINER_HASH_SCHEME, hashContainer } from './container-hash.ts';
import { containerResources } from './resources.ts';
import { containerSecurity } from './security.ts';

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

export interface ContainerConfigOptions {
  rootDir: string;
  /** Instance number of this container (0 for the first), used in its name and files. */
  attempt: number;
  /** Restart count to carry on the container. */
  restartCount: number;
  lookup: ObjectLookup;
  podIPs: readonly string[];
  hostIPs: readonly string[];
  allocatable: NodeAllocatable;
  /** Node memory capacity, for the Burstable oom_score_adj. */
  memoryCapacityBytes: number;
  /** From setupPodVolumes. */
  volumes: PodVolumes;
  /** From writeEtcHosts; omit while the pod IP is unknown. */
  etcHosts?: Mount;
  serviceEnv?: Record<string, string>;
  isStaticPod?: boolean;
  /** Warning events for the pod (e.g. InvalidEnvironmentVariableNames). */
  onEvent?: (event: EnvWarning) => void;
}

export function containerType(pod: Pod, container: Container): ContainerType {
  const init = (pod.spec?.initContainers ?? []).find((c) => c.name === container.name);
  if (init === undefined) return 'regular';
  return init.restartPolicy === 'Always' ? 'sidecar' : 'init';
}

/** Fields newer than the kubernetes-types version in use. */
interface LifecycleWithStopSignal {
  stopSignal?: string;
}

/** The recovery annotations of runtime/labels.ts for a container. */
export function containerAnnotations(pod: Pod, container: Container, restartCount: number): Record<string, string> {
  const ann: Record<string, string> = {
    [ANN_CONTAINER_HASH]: hashContainer(container),
    [ANN_HASH_SCHEME]: CONTAINER_HASH_SCHEME,
    [ANN_RESTART_COUNT]: String(restartCount),
    [ANN_CONTAINER_TYPE]: containerType(pod, container),
    [ANN_TERMINATION_GRACE]: String(pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS),
    [ANN_TERMINATION_MESSAGE_PATH]: container.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH,
    [ANN_TERMINATION_MESSAGE_POLICY]: container.terminationMessagePolicy ?? 'File',
  };
  if (container.lifecycle?.preStop !== undefined) ann[ANN_PRESTOP_HANDLER] = JSON.stringify(container.lifecycle.preStop);
  if (container.ports !== undefined && container.ports.length > 0) ann[ANN_CONTAINER_PORTS] = JSON.stringify(container.ports);
  return ann;
}

/**
 * Builds the runtime config of one container. Creates the termination message file and any
 * subPath directories; throws ContainerConfigError (CreateContainerConfigError) for a missing
 * ConfigMap/Secret/key, a bad subPath or a volume the pod does not declare.
 */
export async function buildContainerConfig(pod: Pod, container: Container, opts: ContainerConfigOptions): Promise<ContainerConfig> {
  const md = pod.metadata ?? {};
  const uid = md.uid ?? '';
  const { env, warnings } = await resolveEnv(pod, container, {
    lookup: opts.lookup,
    podIPs: opts.podIPs,
    hostIPs: opts.hostIPs,
    allocatable: opts.allocatable,
    ...(opts.serviceEnv === undefined ? {} : { serviceEnv: opts.serviceEnv }),
  });
  for (const w of warnings) opts.onEvent?.(w);

  const mountOpts: { etcHosts?: Mount; terminationMessage?: Mount } = {};
  if (opts.etcHosts !== undefined) mountOpts.etcHosts = opts.etcHosts;
  const tmPath = container.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH;
  if (tmPath !== '') mountOpts.terminationMessage = await prepareTerminationMessageFile(opts.rootDir, uid, container.name, opts.attempt, tmPath);
  const mounts = await makeContainerMounts(container, opts.volumes, env, mountOpts);

  const config: ContainerConfig = {
    name: container.name,
    attempt: opts.attempt,
    image: container.image ?? '',
    ...expandCommandAndArgs(container, env),
    env,
    tty: container.tty === true,
    stdin: container.stdin === true,
    stdinOnce: container.stdinOnce === true,
    mounts,
    resources: containerResources(pod, container, opts.memoryCapacityBytes, opts.isStaticPod),
    security: containerSecurity(pod, container),
    labels: {
      [LABEL_POD_NAME]: md.name ?? '',
      [LABEL_POD_NAMESPACE]: md.namespace ?? 'default',
      [LABEL_POD_UID]: uid,
      [LABEL_CONTAINER_NAME]: container.name,
    },
    annotations: containerAnnotations(pod, container, opts.restartCount),
  };
  if (container.workingDir !== undefined && container.workingDir !== '') config.workingDir = container.workingDir;
  const stopSignal = (container.lifecycle as LifecycleWithStopSignal | undefined)?.stopSignal;
  if (stopSignal !== undefined && stopSignal !== '') config.stopSignal = stopSignal;
  return config;
}
