// The JSON types of the served kinds as kube's decoder sees them (the Go structs of k8s.io/api
// decoded by sigs.k8s.io/json, a fork of encoding/json): a body whose value at a known field has
// the wrong JSON type is refused before defaulting and validation, with encoding/json's words,
// e.g. `json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type
// string` (the innermost Go struct, then the JSON path from the root without list indices or map
// keys). Covered: ObjectMeta completely, and every field the server reads (defaults, validation,
// tables, the registry); fields not listed here pass unchecked. null is every type's zero value,
// as in Go: decoding gives a null list item or map value its type's zero value ("" for a string,
// {} for a struct) and drops null metadata fields, so no reader meets a null where Go code would
// have found a value. Kept small and data-driven until the types derive from the OpenAPI
// schemas. Pure functions, except that decodeTypes fills in the zero values it promises; the
// 400 and 422 a refused body or patch gets are built here too.
import { ApiError, fieldErrors, goQuote } from './errors.ts';
import { QUANTITY_FORMAT_ERROR } from './quantity.ts';

/** A Go type as the JSON decoder meets it; `go` is its name in messages (reflect.Type.String()). */
export type GoType =
  | { readonly t: 'string'; readonly go: string }
  | { readonly t: 'bool' }
  | { readonly t: 'int'; readonly go: 'int32' | 'int64' }
  /** metav1.Time and MicroTime: their UnmarshalJSON decodes a string first. */
  | { readonly t: 'time' }
  /** resource.Quantity: a string or a number; anything else fails its parser. */
  | { readonly t: 'quantity' }
  /** intstr.IntOrString: a string, or else an int32. */
  | { readonly t: 'intOrString' }
  /** []byte: a base64 string. */
  | { readonly t: 'bytes' }
  | { readonly t: 'struct'; readonly name: string; readonly fields: Readonly<Record<string, GoType>> }
  | { readonly t: 'slice'; readonly of: GoType }
  | { readonly t: 'map'; readonly of: GoType; readonly go?: string }
  /** Not checked (RawExtension, FieldsV1, or not yet described). */
  | { readonly t: 'any' };

const str = (go = 'string'): GoType => ({ t: 'string', go });
const S = str();
const B: GoType = { t: 'bool' };
const I32: GoType = { t: 'int', go: 'int32' };
const I64: GoType = { t: 'int', go: 'int64' };
const TIME: GoType = { t: 'time' };
const Q: GoType = { t: 'quantity' };
const IOS: GoType = { t: 'intOrString' };
const BYTES: GoType = { t: 'bytes' };
const ANY: GoType = { t: 'any' };
const struct = (name: string, fields: Record<string, GoType> = {}): GoType => ({ t: 'struct', name, fields });
const slice = (of: GoType): GoType => ({ t: 'slice', of });
const map = (of: GoType, go?: string): GoType => (go === undefined ? { t: 'map', of } : { t: 'map', of, go });

/** reflect.Type.String() of t (every struct served here lives in a package named v1). */
function goName(t: GoType): string {
  switch (t.t) {
    case 'string': return t.go;
    case 'bool': return 'bool';
    case 'int': return t.go;
    case 'time': return 'v1.Time';
    case 'quantity': return 'resource.Quantity';
    case 'intOrString': return 'intstr.IntOrString';
    case 'bytes': return '[]uint8';
    case 'struct': return `v1.${t.name}`;
    case 'slice': return `[]${goName(t.of)}`;
    case 'map': return t.go ?? `map[string]${goName(t.of)}`;
    case 'any': return 'interface {}';
  }
}

// ---- meta/v1 ----------------------------------------------------------------------------------

const OWNER_REFERENCE = struct('OwnerReference', {
  apiVersion: S, kind: S, name: S, uid: str('types.UID'), controller: B, blockOwnerDeletion: B,
});

const OBJECT_META = struct('ObjectMeta', {
  name: S, generateName: S, namespace: S, selfLink: S, uid: str('types.UID'), resourceVersion: S, generation: I64,
  creationTimestamp: TIME, deletionTimestamp: TIME, deletionGracePeriodSeconds: I64,
  labels: map(S), annotations: map(S), ownerReferences: slice(OWNER_REFERENCE), finalizers: slice(S),
  managedFields: slice(struct('ManagedFieldsEntry', {
    manager: S, operation: str('v1.ManagedFieldsOperationType'), apiVersion: S, time: TIME, fieldsType: S, fieldsV1: ANY, subresource: S,
  })),
});

// ---- core/v1 ----------------------------------------------------------------------------------

const RESOURCE_LIST = map(Q, 'v1.ResourceList');
const LOCAL_OBJECT_REFERENCE = struct('LocalObjectReference', { name: S });
const OBJECT_REFERENCE = struct('ObjectReference', {
  kind: S, namespace: S, name: S, uid: str('types.UID'), apiVersion: S, resourceVersion: S, fieldPath: S,
});
const OBJECT_FIELD_SELECTOR = struct('ObjectFieldSelector', { apiVersion: S, fieldPath: S });
const RESOURCE_FIELD_SELECTOR = struct('ResourceFieldSelector', { containerName: S, resource: S, divisor: Q });
const KEY_TO_PATH = struct('KeyToPath', { key: S, path: S, mode: I32 });
const DOWNWARD_API_FILE = struct('DownwardAPIVolumeFile', {
  path: S, fieldRef: OBJECT_FIELD_SELECTOR, resourceFieldRef: RESOURCE_FIELD_SELECTOR, mode: I32,
});
const SELINUX = struct('SELinuxOptions', { user: S, role: S, type: S, level: S });
const SECCOMP = struct('SeccompProfile', { type: str('v1.SeccompProfileType'), localhostProfile: S });
const APPARMOR = struct('AppArmorProfile', { type: str('v1.AppArmorProfileType'), localhostProfile: S });
const WINDOWS = struct('WindowsSecurityContextOptions', { gmsaCredentialSpecName: S, gmsaCredentialSpec: S, runAsUserName: S, hostProcess: B });

const EXEC = struct('ExecAction', { command: slice(S) });
const HTTP_GET = struct('HTTPGetAction', {
  path: S, port: IOS, host: S, scheme: str('v1.URIScheme'), httpHeaders: slice(struct('HTTPHeader', { name: S, value: S })),
});
const TCP_SOCKET = struct('TCPSocketAction', { port: IOS, host: S });
const PROBE = struct('Probe', {
  exec: EXEC, httpGet: HTTP_GET, tcpSocket: TCP_SOCKET, grpc: struct('GRPCAction', { port: I32, service: S }),
  initialDelaySeconds: I32, timeoutSeconds: I32, periodSeconds: I32, successThreshold: I32, failureThreshold: I32,
  terminationGracePeriodSeconds: I64,
});
const LIFECYCLE_HANDLER = struct('LifecycleHandler', {
  exec: EXEC, httpGet: HTTP_GET, tcpSocket: TCP_SOCKET, sleep: struct('SleepAction', { seconds: I64 }),
});

const CONTAINER_FIELDS: Record<string, GoType> = {
  name: S, image: S, command: slice(S), args: slice(S), workingDir: S,
  ports: slice(struct('ContainerPort', { name: S, hostPort: I32, containerPort: I32, protocol: str('v1.Protocol'), hostIP: S })),
  envFrom: slice(struct('EnvFromSource', {
    prefix: S,
    configMapRef: struct('ConfigMapEnvSource', { name: S, optional: B }),
    secretRef: struct('SecretEnvSource', { name: S, optional: B }),
  })),
  env: slice(struct('EnvVar', {
    name: S, value: S,
    valueFrom: struct('EnvVarSource', {
      fieldRef: OBJECT_FIELD_SELECTOR, resourceFieldRef: RESOURCE_FIELD_SELECTOR,
      configMapKeyRef: struct('ConfigMapKeySelector', { name: S, key: S, optional: B }),
      secretKeyRef: struct('SecretKeySelector', { name: S, key: S, optional: B }),
    }),
  })),
  resources: struct('ResourceRequirements', {
    limits: RESOURCE_LIST, requests: RESOURCE_LIST, claims: slice(struct('ResourceClaim', { name: S, request: S })),
  }),
  resizePolicy: slice(struct('ContainerResizePolicy', { resourceName: str('v1.ResourceName'), restartPolicy: str('v1.ResourceResizeRestartPolicy') })),
  restartPolicy: str('v1.ContainerRestartPolicy'),
  volumeMounts: slice(struct('VolumeMount', {
    name: S, readOnly: B, recursiveReadOnly: str('v1.RecursiveReadOnlyMode'), mountPath: S, subPath: S,
    mountPropagation: str('v1.MountPropagationMode'), subPathExpr: S,
  })),
  volumeDevices: slice(struct('VolumeDevice', { name: S, devicePath: S })),
  livenessProbe: PROBE, readinessProbe: PROBE, startupProbe: PROBE,
  lifecycle: struct('Lifecycle', { postStart: LIFECYCLE_HANDLER, preStop: LIFECYCLE_HANDLER, stopSignal: str('v1.Signal') }),
  terminationMessagePath: S, terminationMessagePolicy: str('v1.TerminationMessagePolicy'), imagePullPolicy: str('v1.PullPolicy'),
  securityContext: struct('SecurityContext', {
    capabilities: struct('Capabilities', { add: slice(str('v1.Capability')), drop: slice(str('v1.Capability')) }),
    privileged: B, seLinuxOptions: SELINUX, windowsOptions: WINDOWS, runAsUser: I64, runAsGroup: I64, runAsNonRoot: B,
    readOnlyRootFilesystem: B, allowPrivilegeEscalation: B, procMount: str('v1.ProcMountType'), seccompProfile: SECCOMP, appArmorProfile: APPARMOR,
  }),
  stdin: B, stdinOnce: B, tty: B,
};

/** Volume sources nothing reads yet: checked only for being objects. */
const OPAQUE_VOLUME_SOURCES: Record<string, string> = {
  gcePersistentDisk: 'GCEPersistentDiskVolumeSource', awsElasticBlockStore: 'AWSElasticBlockStoreVolumeSource',
  gitRepo: 'GitRepoVolumeSource', nfs: 'NFSVolumeSource', iscsi: 'ISCSIVolumeSource', glusterfs: 'GlusterfsVolumeSource',
  rbd: 'RBDVolumeSource', flexVolume: 'FlexVolumeSource', cinder: 'CinderVolumeSource', cephfs: 'CephFSVolumeSource',
  flocker: 'FlockerVolumeSource', fc: 'FCVolumeSource', azureFile: 'AzureFileVolumeSource', vsphereVolume: 'VsphereVirtualDiskVolumeSource',
  quobyte: 'QuobyteVolumeSource', azureDisk: 'AzureDiskVolumeSource', photonPersistentDisk: 'PhotonPersistentDiskVolumeSource',
  portworxVolume: 'PortworxVolumeSource', scaleIO: 'ScaleIOVolumeSource', storageos: 'StorageOSVolumeSource', csi: 'CSIVolumeSource',
  ephemeral: 'EphemeralVolumeSource', image: 'ImageVolumeSource',
};

const VOLUME = struct('Volume', {
  name: S,
  hostPath: struct('HostPathVolumeSource', { path: S, type: str('v1.HostPathType') }),
  emptyDir: struct('EmptyDirVolumeSource', { medium: str('v1.StorageMedium'), sizeLimit: Q }),
  secret: struct('SecretVolumeSource', { secretName: S, items: slice(KEY_TO_PATH), defaultMode: I32, optional: B }),
  configMap: struct('ConfigMapVolumeSource', { name: S, items: slice(KEY_TO_PATH), defaultMode: I32, optional: B }),
  persistentVolumeClaim: struct('PersistentVolumeClaimVolumeSource', { claimName: S, readOnly: B }),
  downwardAPI: struct('DownwardAPIVolumeSource', { items: slice(DOWNWARD_API_FILE), defaultMode: I32 }),
  projected: struct('ProjectedVolumeSource', {
    sources: slice(struct('VolumeProjection', {
      secret: struct('SecretProjection', { name: S, items: slice(KEY_TO_PATH), optional: B }),
      configMap: struct('ConfigMapProjection', { name: S, items: slice(KEY_TO_PATH), optional: B }),
      downwardAPI: struct('DownwardAPIProjection', { items: slice(DOWNWARD_API_FILE) }),
      serviceAccountToken: struct('ServiceAccountTokenProjection', { audience: S, expirationSeconds: I64, path: S }),
    })),
    defaultMode: I32,
  }),
  ...Object.fromEntries(Object.entries(OPAQUE_VOLUME_SOURCES).map(([field, name]) => [field, struct(name)])),
});

const POD_SPEC = struct('PodSpec', {
  volumes: slice(VOLUME),
  initContainers: slice(struct('Container', CONTAINER_FIELDS)),
  containers: slice(struct('Container', CONTAINER_FIELDS)),
  ephemeralContainers: slice(struct('EphemeralContainer', { ...CONTAINER_FIELDS, targetContainerName: S })),
  restartPolicy: str('v1.RestartPolicy'), terminationGracePeriodSeconds: I64, activeDeadlineSeconds: I64, dnsPolicy: str('v1.DNSPolicy'),
  nodeSelector: map(S), serviceAccountName: S, serviceAccount: S, automountServiceAccountToken: B, nodeName: S,
  hostNetwork: B, hostPID: B, hostIPC: B, shareProcessNamespace: B,
  securityContext: struct('PodSecurityContext', {
    seLinuxOptions: SELINUX, windowsOptions: WINDOWS, runAsUser: I64, runAsGroup: I64, runAsNonRoot: B, supplementalGroups: slice(I64),
    supplementalGroupsPolicy: str('v1.SupplementalGroupsPolicy'), fsGroup: I64, sysctls: slice(struct('Sysctl', { name: S, value: S })),
    fsGroupChangePolicy: str('v1.PodFSGroupChangePolicy'), seccompProfile: SECCOMP, appArmorProfile: APPARMOR,
    seLinuxChangePolicy: str('v1.PodSELinuxChangePolicy'),
  }),
  imagePullSecrets: slice(LOCAL_OBJECT_REFERENCE), hostname: S, subdomain: S, affinity: struct('Affinity'), schedulerName: S,
  tolerations: slice(struct('Toleration', {
    key: S, operator: str('v1.TolerationOperator'), value: S, effect: str('v1.TaintEffect'), tolerationSeconds: I64,
  })),
  hostAliases: slice(struct('HostAlias', { ip: S, hostnames: slice(S) })),
  priorityClassName: S, priority: I32,
  dnsConfig: struct('PodDNSConfig', { nameservers: slice(S), searches: slice(S), options: slice(struct('PodDNSConfigOption', { name: S, value: S })) }),
  readinessGates: slice(struct('PodReadinessGate', { conditionType: str('v1.PodConditionType') })),
  runtimeClassName: S, enableServiceLinks: B, preemptionPolicy: str('v1.PreemptionPolicy'), overhead: RESOURCE_LIST,
  topologySpreadConstraints: slice(struct('TopologySpreadConstraint')), setHostnameAsFQDN: B, os: struct('PodOS', { name: str('v1.OSName') }),
  hostUsers: B, schedulingGates: slice(struct('PodSchedulingGate', { name: S })), resourceClaims: slice(struct('PodResourceClaim')),
});

const CONTAINER_STATE = struct('ContainerState', {
  waiting: struct('ContainerStateWaiting', { reason: S, message: S }),
  running: struct('ContainerStateRunning', { startedAt: TIME }),
  terminated: struct('ContainerStateTerminated', {
    exitCode: I32, signal: I32, reason: S, message: S, startedAt: TIME, finishedAt: TIME, containerID: S,
  }),
});

const CONTAINER_STATUS = struct('ContainerStatus', {
  name: S, state: CONTAINER_STATE, lastState: CONTAINER_STATE, ready: B, restartCount: I32, image: S, imageID: S, containerID: S,
  started: B, allocatedResources: RESOURCE_LIST,
});

const POD_STATUS = struct('PodStatus', {
  observedGeneration: I64, phase: str('v1.PodPhase'),
  conditions: slice(struct('PodCondition', {
    type: str('v1.PodConditionType'), observedGeneration: I64, status: str('v1.ConditionStatus'), lastProbeTime: TIME,
    lastTransitionTime: TIME, reason: S, message: S,
  })),
  message: S, reason: S, nominatedNodeName: S, hostIP: S, hostIPs: slice(struct('HostIP', { ip: S })), podIP: S,
  podIPs: slice(struct('PodIP', { ip: S })), startTime: TIME, initContainerStatuses: slice(CONTAINER_STATUS),
  containerStatuses: slice(CONTAINER_STATUS), qosClass: str('v1.PodQOSClass'), ephemeralContainerStatuses: slice(CONTAINER_STATUS),
});

const CONDITION_STATUS = str('v1.ConditionStatus');

const NODE_SPEC = struct('NodeSpec', {
  podCIDR: S, podCIDRs: slice(S), providerID: S, unschedulable: B,
  taints: slice(struct('Taint', { key: S, value: S, effect: str('v1.TaintEffect'), timeAdded: TIME })), externalID: S,
});

const NODE_STATUS = struct('NodeStatus', {
  capacity: RESOURCE_LIST, allocatable: RESOURCE_LIST, phase: str('v1.NodePhase'),
  conditions: slice(struct('NodeCondition', {
    type: str('v1.NodeConditionType'), status: CONDITION_STATUS, lastHeartbeatTime: TIME, lastTransitionTime: TIME, reason: S, message: S,
  })),
  addresses: slice(struct('NodeAddress', { type: str('v1.NodeAddressType'), address: S })),
  daemonEndpoints: struct('NodeDaemonEndpoints', { kubeletEndpoint: struct('DaemonEndpoint', { Port: I32 }) }),
  nodeInfo: struct('NodeSystemInfo', {
    machineID: S, systemUUID: S, bootID: S, kernelVersion: S, osImage: S, containerRuntimeVersion: S, kubeletVersion: S,
    kubeProxyVersion: S, operatingSystem: S, architecture: S,
  }),
  images: slice(struct('ContainerImage', { names: slice(S), sizeBytes: I64 })),
  volumesInUse: slice(str('v1.UniqueVolumeName')),
});

const EVENT_SOURCE = struct('EventSource', { component: S, host: S });
const EVENT_SERIES = struct('EventSeries', { count: I32, lastObservedTime: TIME });

// ---- the kinds --------------------------------------------------------------------------------

function kind(name: string, fields: Record<string, GoType>): GoType {
  return struct(name, { apiVersion: S, kind: S, metadata: OBJECT_META, ...fields });
}

const KINDS: Readonly<Record<string, GoType>> = {
  'v1/Pod': kind('Pod', { spec: POD_SPEC, status: POD_STATUS }),
  'v1/Node': kind('Node', { spec: NODE_SPEC, status: NODE_STATUS }),
  'v1/Namespace': kind('Namespace', {
    spec: struct('NamespaceSpec', { finalizers: slice(str('v1.FinalizerName')) }),
    status: struct('NamespaceStatus', {
      phase: str('v1.NamespacePhase'),
      conditions: slice(struct('NamespaceCondition', {
        type: str('v1.NamespaceConditionType'), status: CONDITION_STATUS, lastTransitionTime: TIME, reason: S, message: S,
      })),
    }),
  }),
  'v1/ConfigMap': kind('ConfigMap', { immutable: B, data: map(S), binaryData: map(BYTES) }),
  'v1/Secret': kind('Secret', { immutable: B, data: map(BYTES), stringData: map(S), type: str('v1.SecretType') }),
  'v1/ServiceAccount': kind('ServiceAccount', {
    secrets: slice(OBJECT_REFERENCE), imagePullSecrets: slice(LOCAL_OBJECT_REFERENCE), automountServiceAccountToken: B,
  }),
  'v1/Event': kind('Event', {
    involvedObject: OBJECT_REFERENCE, reason: S, message: S, source: EVENT_SOURCE, firstTimestamp: TIME, lastTimestamp: TIME,
    count: I32, type: S, eventTime: TIME, series: EVENT_SERIES, action: S, related: OBJECT_REFERENCE, reportingComponent: S,
    reportingInstance: S,
  }),
  'events.k8s.io/v1/Event': kind('Event', {
    eventTime: TIME, series: EVENT_SERIES, reportingController: S, reportingInstance: S, action: S, reason: S,
    regarding: OBJECT_REFERENCE, related: OBJECT_REFERENCE, note: S, type: S, deprecatedSource: EVENT_SOURCE,
    deprecatedFirstTimestamp: TIME, deprecatedLastTimestamp: TIME, deprecatedCount: I32,
  }),
  'coordination.k8s.io/v1/Lease': kind('Lease', {
    spec: struct('LeaseSpec', {
      holderIdentity: S, leaseDurationSeconds: I32, acquireTime: TIME, renewTime: TIME, leaseTransitions: I32,
      strategy: str('v1.CoordinatedLeaseStrategy'), preferredHolder: S,
    }),
  }),
};

/** The Go type of a kind's objects, or undefined for kinds not described here. */
export function kindType(apiVersion: string, kindName: string): GoType | undefined {
  return KINDS[`${apiVersion}/${kindName}`];
}

// ---- the check --------------------------------------------------------------------------------

/** A decoding error: encoding/json's message, and the field at fault as a field.Path string. */
export interface JsonTypeError {
  message: string;
  field: string;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** A JSON number as the decoder quotes it in `number <literal>`. */
function literal(n: number): string {
  return String(n).replace('e+', 'e');
}

const INT_RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 63), 2 ** 63] } as const;

/** base64.StdEncoding.Decode's error for s, or undefined when it decodes (CR and LF are skipped). */
export function base64Error(s: string): string | undefined {
  const src = Buffer.from(s, 'utf8');
  const valid = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
  const corrupt = (at: number): string => `illegal base64 data at input byte ${at}`;
  const newline = (c: number | undefined): boolean => c === 0x0a || c === 0x0d;
  let si = 0;
  while (si < src.length) {
    // one quantum of four characters (decodeQuantum)
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return undefined;
        return corrupt(si - j);
      }
      const c = src[si] as number;
      si++;
      if (valid(c)) continue;
      if (newline(c)) {
        j--;
        continue;
      }
      if (c !== 0x3d) return corrupt(si - 1);
      if (j === 0 || j === 1) return corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && newline(src[si])) si++;
        if (si === src.length) return corrupt(src.length);
        if (src[si] !== 0x3d) return corrupt(si - 1);
        si++;
      }
      while (si < src.length && newline(src[si])) si++;
      return si < src.length ? corrupt(si) : undefined;
    }
  }
  return undefined;
}

interface Where {
  /** The innermost Go struct holding the field. */
  struct: string;
  /** The JSON field names from the root (encoding/json's FieldStack). */
  stack: string;
  /** The field path with indices and keys, for the Status cause. */
  field: string;
}

/** The JSON of a Go zero value where it differs from null (struct, string, number, bool). */
function zero(t: GoType): unknown {
  switch (t.t) {
    case 'struct': return {};
    case 'string': return '';
    case 'int': case 'intOrString': return 0;
    case 'bool': return false;
    case 'quantity': return '0';
    default: return null;
  }
}

function mismatch(value: string, t: string, at: Where): JsonTypeError {
  const into = at.stack === '' ? 'Go value' : `Go struct field ${at.struct}.${at.stack}`;
  return { message: `json: cannot unmarshal ${value} into ${into} of type ${t}`, field: at.field };
}

function checkValue(v: unknown, t: GoType, at: Where): JsonTypeError | undefined {
  if (v === null || v === undefined) return undefined;
  switch (t.t) {
    case 'any':
      return undefined;
    case 'string':
      return typeof v === 'string' ? undefined : mismatch(jsonKind(v), t.go, at);
    case 'time':
      return typeof v === 'string' ? undefined : mismatch(jsonKind(v), 'string', at);
    case 'bool':
      return typeof v === 'boolean' ? undefined : mismatch(jsonKind(v), 'bool', at);
    case 'int': {
      if (typeof v !== 'number') return mismatch(jsonKind(v), t.go, at);
      const [lo, hi] = INT_RANGE[t.go];
      return Number.isInteger(v) && v >= lo && v <= hi ? undefined : mismatch(`number ${literal(v)}`, t.go, at);
    }
    case 'quantity':
      return typeof v === 'string' || typeof v === 'number' ? undefined : { message: QUANTITY_FORMAT_ERROR, field: at.field };
    case 'intOrString':
      if (typeof v === 'string') return undefined;
      if (typeof v !== 'number') return mismatch(jsonKind(v), 'int32', at);
      return Number.isInteger(v) && v >= INT_RANGE.int32[0] && v <= INT_RANGE.int32[1] ? undefined : mismatch(`number ${literal(v)}`, 'int32', at);
    case 'bytes': {
      if (typeof v !== 'string') return mismatch(jsonKind(v), goName(t), at);
      const err = base64Error(v);
      return err === undefined ? undefined : { message: err, field: at.field };
    }
    case 'struct': {
      if (typeof v !== 'object' || Array.isArray(v)) return mismatch(jsonKind(v), goName(t), at);
      for (const [k, value] of Object.entries(v)) {
        const ft = Object.hasOwn(t.fields, k) ? t.fields[k] : undefined;
        if (ft === undefined) continue;
        const err = checkValue(value, ft, {
          struct: t.name,
          stack: at.stack === '' ? k : `${at.stack}.${k}`,
          field: at.field === '' ? k : `${at.field}.${k}`,
        });
        if (err !== undefined) return err;
      }
      return undefined;
    }
    case 'slice': {
      if (!Array.isArray(v)) return mismatch(jsonKind(v), goName(t), at);
      for (let i = 0; i < v.length; i++) {
        if (v[i] === null) v[i] = zero(t.of);
        const err = checkValue(v[i], t.of, { ...at, field: `${at.field}[${i}]` });
        if (err !== undefined) return err;
      }
      return undefined;
    }
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) return mismatch(jsonKind(v), goName(t), at);
      const m = v as Record<string, unknown>;
      for (const [k, value] of Object.entries(m)) {
        if (value === null) m[k] = zero(t.of);
        const err = checkValue(m[k], t.of, { ...at, field: `${at.field}[${k}]` });
        if (err !== undefined) return err;
      }
      return undefined;
    }
  }
}

/**
 * How deep a value may nest. encoding/json stops at 10000 levels (the scanner's
 * maxNestingDepth); Node's structuredClone and JSON.stringify run out of stack between 2000 and
 * 5000, so nodelet stops at 1000, with the decoder's words. Built-in kinds nest about 15 deep.
 */
export const MAX_NESTING_DEPTH = 1000;

/** encoding/json's error for a document nested too deep. */
export const NESTING_ERROR = 'exceeded max depth';

/** Whether value nests objects and arrays deeper than limit (iterative: safe on any input). */
export function nestsDeeperThan(value: unknown, limit = MAX_NESTING_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, depth] = next;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Decodes obj as its kind's Go type would take it: returns the first value (document order)
 * whose JSON type the Go type of its field does not take, worded as encoding/json, or undefined
 * when every known field fits; then null list items and map values have their zero value and
 * null metadata fields are gone (mutates obj). Unknown kinds and unknown fields are not checked,
 * except that nothing may nest deeper than MAX_NESTING_DEPTH.
 */
export function decodeTypes(apiVersion: string, kindName: string, obj: Record<string, unknown>): JsonTypeError | undefined {
  if (nestsDeeperThan(obj)) return { message: NESTING_ERROR, field: '' };
  const t = kindType(apiVersion, kindName);
  if (t === undefined || t.t !== 'struct') return undefined;
  const err = checkValue(obj, t, { struct: t.name, stack: '', field: '' });
  if (err === undefined) dropNullMetadata(obj);
  return err;
}

/** The type error decodeTypes would report for obj, leaving obj as it is. */
export function jsonTypeError(apiVersion: string, kindName: string, obj: Record<string, unknown>): JsonTypeError | undefined {
  // too deep to copy safely: decodeTypes refuses it before it changes anything
  return decodeTypes(apiVersion, kindName, nestsDeeperThan(obj) ? obj : structuredClone(obj));
}

/**
 * Drops metadata fields that are null (and a null metadata), as decoding and encoding again
 * does: every ObjectMeta field is omitempty. Mutates obj.
 */
function dropNullMetadata(obj: Record<string, unknown>): void {
  const m = obj['metadata'];
  if (m === null) {
    delete obj['metadata'];
    return;
  }
  if (typeof m !== 'object' || Array.isArray(m)) return;
  const meta = m as Record<string, unknown>;
  for (const k of Object.keys(meta)) if (meta[k] === null) Reflect.deleteProperty(meta, k);
}

/**
 * The create and update handlers' 400 for a body the decoder refuses (transformDecodeError):
 * `Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal …`. The field at fault
 * is also given as the cause (kube's Status has the message only).
 */
export function decodeError(kind: string, version: string, err: JsonTypeError): ApiError {
  const message = `${kind} in version ${goQuote(version)} cannot be handled as a ${kind}: ${err.message}`;
  return new ApiError(400, 'BadRequest', message, {
    causes: [{ reason: 'FieldValueTypeInvalid', message: err.message, ...(err.field === '' ? {} : { field: err.field }) }],
  });
}

/**
 * The patch handler's 422 for a patched object the decoder refuses: field "patch", with the
 * patched object's JSON (for a strategic merge patch, the patch as Go prints a map) as the value.
 */
export function patchDecodeError(badValue: string, err: JsonTypeError): ApiError {
  return ApiError.invalid('', '', [fieldErrors.invalid('patch', badValue, err.message)]);
}
