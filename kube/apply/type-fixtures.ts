// Hand-written type information for subsets of Pod, Deployment and ConfigMap, with the list and
// map types kube's OpenAPI declares for them (Kubernetes 1.32). Tests use it instead of the
// generated schemas, so the engine is tested against facts written down here.
import type { TypeInfo, TypeRef } from './type-info.ts';
import { atomicList, DEDUCED, mapList, mapOf, SCALAR, setList, struct } from './type-info.ts';

const stringMap = mapOf(SCALAR);

export const OWNER_REFERENCE = struct({
  apiVersion: SCALAR, kind: SCALAR, name: SCALAR, uid: SCALAR, controller: SCALAR, blockOwnerDeletion: SCALAR,
}, { atomic: true });

export const OBJECT_META = struct({
  name: SCALAR, generateName: SCALAR, namespace: SCALAR, uid: SCALAR, resourceVersion: SCALAR, generation: SCALAR,
  creationTimestamp: SCALAR, deletionTimestamp: SCALAR, deletionGracePeriodSeconds: SCALAR, selfLink: SCALAR,
  labels: stringMap,
  annotations: stringMap,
  finalizers: setList(SCALAR), // +listType=set
  ownerReferences: mapList(['uid'], OWNER_REFERENCE), // +listType=map +listMapKey=uid
  managedFields: atomicList(DEDUCED), // +listType=atomic
});

const CONTAINER_PORT = struct({
  name: SCALAR, hostPort: SCALAR, containerPort: SCALAR, protocol: SCALAR, hostIP: SCALAR,
}, { defaults: { protocol: 'TCP' } }); // +default="TCP"

const selectorRef = (...fields: string[]): TypeRef =>
  struct(Object.fromEntries(fields.map((f) => [f, SCALAR])), { atomic: true }); // +structType=atomic

const ENV_VAR = struct({
  name: SCALAR,
  value: SCALAR,
  valueFrom: struct({
    fieldRef: selectorRef('apiVersion', 'fieldPath'),
    resourceFieldRef: selectorRef('containerName', 'resource', 'divisor'),
    configMapKeyRef: selectorRef('name', 'key', 'optional'),
    secretKeyRef: selectorRef('name', 'key', 'optional'),
  }),
});

const RESOURCES = struct({
  limits: stringMap,
  requests: stringMap,
  claims: mapList(['name'], struct({ name: SCALAR, request: SCALAR })),
});

const VOLUME_MOUNT = struct({ name: SCALAR, readOnly: SCALAR, mountPath: SCALAR, subPath: SCALAR });

export const CONTAINER = struct({
  name: SCALAR, image: SCALAR, imagePullPolicy: SCALAR, workingDir: SCALAR,
  command: atomicList(SCALAR), // +listType=atomic
  args: atomicList(SCALAR), // +listType=atomic
  ports: mapList(['containerPort', 'protocol'], CONTAINER_PORT),
  env: mapList(['name'], ENV_VAR),
  resources: RESOURCES,
  volumeMounts: mapList(['mountPath'], VOLUME_MOUNT),
  livenessProbe: DEDUCED, readinessProbe: DEDUCED, securityContext: DEDUCED,
  terminationMessagePath: SCALAR, terminationMessagePolicy: SCALAR, stdin: SCALAR, tty: SCALAR,
});

const VOLUME = struct({
  name: SCALAR,
  emptyDir: struct({ medium: SCALAR, sizeLimit: SCALAR }),
  configMap: struct({ name: SCALAR, items: atomicList(DEDUCED), defaultMode: SCALAR, optional: SCALAR }),
  secret: struct({ secretName: SCALAR, items: atomicList(DEDUCED), defaultMode: SCALAR, optional: SCALAR }),
  hostPath: struct({ path: SCALAR, type: SCALAR }),
});

export const POD_SPEC = struct({
  containers: mapList(['name'], CONTAINER),
  initContainers: mapList(['name'], CONTAINER),
  volumes: mapList(['name'], VOLUME),
  nodeSelector: mapOf(SCALAR, { atomic: true }), // +mapType=atomic
  tolerations: atomicList(DEDUCED), // +listType=atomic
  imagePullSecrets: mapList(['name'], struct({ name: SCALAR })),
  restartPolicy: SCALAR, terminationGracePeriodSeconds: SCALAR, activeDeadlineSeconds: SCALAR, dnsPolicy: SCALAR,
  serviceAccountName: SCALAR, nodeName: SCALAR, hostNetwork: SCALAR, schedulerName: SCALAR, priority: SCALAR,
  securityContext: DEDUCED, affinity: DEDUCED,
});

const condition = (...extra: string[]): TypeRef => struct(Object.fromEntries(
  ['type', 'status', 'lastProbeTime', 'lastTransitionTime', 'lastUpdateTime', 'reason', 'message', ...extra].map((f) => [f, SCALAR]),
));

export const POD_STATUS = struct({
  phase: SCALAR, message: SCALAR, reason: SCALAR, hostIP: SCALAR, podIP: SCALAR, startTime: SCALAR, qosClass: SCALAR,
  conditions: mapList(['type'], condition()),
  podIPs: mapList(['ip'], struct({ ip: SCALAR })),
  hostIPs: mapList(['ip'], struct({ ip: SCALAR })),
  containerStatuses: atomicList(DEDUCED), // +listType=atomic
  initContainerStatuses: atomicList(DEDUCED),
});

export const POD = struct({ apiVersion: SCALAR, kind: SCALAR, metadata: OBJECT_META, spec: POD_SPEC, status: POD_STATUS });

export const POD_TEMPLATE_SPEC = struct({ metadata: OBJECT_META, spec: POD_SPEC });

export const LABEL_SELECTOR = struct({
  matchLabels: stringMap,
  matchExpressions: atomicList(DEDUCED),
}, { atomic: true }); // +structType=atomic

export const DEPLOYMENT = struct({
  apiVersion: SCALAR,
  kind: SCALAR,
  metadata: OBJECT_META,
  spec: struct({
    replicas: SCALAR,
    selector: LABEL_SELECTOR,
    template: POD_TEMPLATE_SPEC,
    strategy: struct({ type: SCALAR, rollingUpdate: struct({ maxUnavailable: SCALAR, maxSurge: SCALAR }) }),
    minReadySeconds: SCALAR, revisionHistoryLimit: SCALAR, paused: SCALAR, progressDeadlineSeconds: SCALAR,
  }),
  status: struct({
    observedGeneration: SCALAR, replicas: SCALAR, updatedReplicas: SCALAR, readyReplicas: SCALAR,
    availableReplicas: SCALAR, unavailableReplicas: SCALAR, collisionCount: SCALAR,
    conditions: mapList(['type'], condition()),
  }),
});

export const CONFIG_MAP = struct({
  apiVersion: SCALAR, kind: SCALAR, metadata: OBJECT_META, data: stringMap, binaryData: stringMap, immutable: SCALAR,
});

/** autoscaling/v1 Scale, for the /scale subresource. */
export const SCALE = struct({
  apiVersion: SCALAR, kind: SCALAR, metadata: OBJECT_META,
  spec: struct({ replicas: SCALAR }),
  status: struct({ replicas: SCALAR, selector: SCALAR }),
});

export const FIXTURE_TYPES: TypeInfo = {
  typeOf(apiVersion, kind) {
    if (apiVersion === 'v1' && kind === 'Pod') return POD;
    if (apiVersion === 'v1' && kind === 'ConfigMap') return CONFIG_MAP;
    if (apiVersion === 'apps/v1' && kind === 'Deployment') return DEPLOYMENT;
    if (apiVersion === 'autoscaling/v1' && kind === 'Scale') return SCALE;
    return undefined;
  },
};

/**
 * Go's zero objects of these kinds as the apiserver's type converter sees them (non-omitempty
 * fields appear as null or {}): the "live" object of a create.
 */
export const EMPTY_OBJECTS: Readonly<Record<string, Record<string, unknown>>> = {
  Pod: { apiVersion: 'v1', kind: 'Pod', metadata: { creationTimestamp: null }, spec: { containers: null }, status: {} },
  ConfigMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { creationTimestamp: null } },
  Deployment: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { creationTimestamp: null },
    spec: {
      selector: null,
      template: { metadata: { creationTimestamp: null }, spec: { containers: null } },
      strategy: {},
    },
    status: {},
  },
};

/** Fresh copy of a zero object (tests mutate what they get). */
export function emptyObject(kind: string): Record<string, unknown> {
  return structuredClone(EMPTY_OBJECTS[kind] ?? {});
}
