// The structural facts of the Kubernetes 1.32 API that the client models lack — one table, read
// by the generator (which writes them into the schemas as upstream's OpenAPI does) and through the
// schemas by everything that merges: strategic merge patch, server-side apply and pruning.
//
// Written from upstream's markers in k8s.io/api, apimachinery and apiextensions-apiserver
// (types.go at v0.32: `+listType`, `+listMapKey`, `+mapType`, `+structType` and the
// `patchStrategy`/`patchMergeKey` struct tags), for every served group's v1 types and meta/v1:
//   x-kubernetes-list-type       atomic | set | map (a list without one is atomic for apply)
//   x-kubernetes-list-map-keys   the keys that identify an item of a map list
//   x-kubernetes-patch-strategy  merge | retainKeys | merge,retainKeys | replace (strategic merge patch)
//   x-kubernetes-patch-merge-key the key strategic merge patch merges list items by
//   x-kubernetes-map-type        atomic | granular, on a map or struct field, or on a type
// Also which string fields are resource.Quantity and what the untyped (`any`) fields are, since the
// models type both loosely. The generator fails when a name here matches no field of the models.

export interface FieldFacts {
  readonly listType?: 'atomic' | 'set' | 'map';
  readonly listMapKeys?: readonly string[];
  readonly patchStrategy?: 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';
  readonly patchMergeKey?: string;
  readonly mapType?: 'atomic' | 'granular';
}

const atomic: FieldFacts = { listType: 'atomic' };
const set: FieldFacts = { listType: 'set' };
/** A set of scalars that strategic merge patch merges (finalizers, podCIDRs). */
const mergeSet: FieldFacts = { listType: 'set', patchStrategy: 'merge' };
const atomicMap: FieldFacts = { mapType: 'atomic' };
const listMap = (...keys: string[]): FieldFacts => ({ listType: 'map', listMapKeys: keys });
const mergeBy = (key: string, retainKeys?: 'retainKeys'): FieldFacts =>
  ({ patchStrategy: retainKeys ? 'merge,retainKeys' : 'merge', patchMergeKey: key });
/** The common case: a map list keyed by one field that strategic merge patch merges by it too. */
const mapMerge = (key: string, retainKeys?: 'retainKeys'): FieldFacts => ({ ...listMap(key), ...mergeBy(key, retainKeys) });

const CORE = 'io.k8s.api.core.v1';
const APPS = 'io.k8s.api.apps.v1';
const BATCH = 'io.k8s.api.batch.v1';
const DISCOVERY = 'io.k8s.api.discovery.v1';
const STORAGE = 'io.k8s.api.storage.v1';
const POLICY = 'io.k8s.api.policy.v1';
const RBAC = 'io.k8s.api.rbac.v1';
const AUTOSCALING = 'io.k8s.api.autoscaling.v1';
const APIEXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const RAW = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

/** Facts of fields, by definition name and JSON field name. */
export const FIELD_EXTENSIONS: Readonly<Record<string, Readonly<Record<string, FieldFacts>>>> = {
  [`${CORE}.PersistentVolumeSpec`]: {
    accessModes: atomic,
    claimRef: { mapType: 'granular' },
    mountOptions: atomic,
  },
  [`${CORE}.PersistentVolumeClaimSpec`]: {
    accessModes: atomic,
  },
  [`${CORE}.PersistentVolumeClaimStatus`]: {
    accessModes: atomic,
    conditions: mapMerge('type'),
    allocatedResourceStatuses: { mapType: 'granular' },
  },
  [`${CORE}.RBDVolumeSource`]: {
    monitors: atomic,
  },
  [`${CORE}.RBDPersistentVolumeSource`]: {
    monitors: atomic,
  },
  [`${CORE}.CephFSVolumeSource`]: {
    monitors: atomic,
  },
  [`${CORE}.CephFSPersistentVolumeSource`]: {
    monitors: atomic,
  },
  [`${CORE}.SecretVolumeSource`]: {
    items: atomic,
  },
  [`${CORE}.SecretProjection`]: {
    items: atomic,
  },
  [`${CORE}.ISCSIVolumeSource`]: {
    portals: atomic,
  },
  [`${CORE}.ISCSIPersistentVolumeSource`]: {
    portals: atomic,
  },
  [`${CORE}.FCVolumeSource`]: {
    targetWWNs: atomic,
    wwids: atomic,
  },
  [`${CORE}.ConfigMapVolumeSource`]: {
    items: atomic,
  },
  [`${CORE}.ConfigMapProjection`]: {
    items: atomic,
  },
  [`${CORE}.ProjectedVolumeSource`]: {
    sources: atomic,
  },
  [`${CORE}.HTTPGetAction`]: {
    httpHeaders: atomic,
  },
  [`${CORE}.ExecAction`]: {
    command: atomic,
  },
  [`${CORE}.Capabilities`]: {
    add: atomic,
    drop: atomic,
  },
  [`${CORE}.ResourceRequirements`]: {
    claims: listMap('name'),
  },
  [`${CORE}.Container`]: {
    command: atomic,
    args: atomic,
    ports: { ...listMap('containerPort', 'protocol'), ...mergeBy('containerPort') },
    envFrom: atomic,
    env: mapMerge('name'),
    resizePolicy: atomic,
    volumeMounts: mapMerge('mountPath'),
    volumeDevices: mapMerge('devicePath'),
  },
  [`${CORE}.ContainerStatus`]: {
    volumeMounts: mapMerge('mountPath'),
    allocatedResourcesStatus: mapMerge('name'),
  },
  [`${CORE}.ResourceStatus`]: {
    resources: listMap('resourceID'),
  },
  [`${CORE}.LinuxContainerUser`]: {
    supplementalGroups: atomic,
  },
  [`${CORE}.NodeSelector`]: {
    nodeSelectorTerms: atomic,
  },
  [`${CORE}.NodeSelectorTerm`]: {
    matchExpressions: atomic,
    matchFields: atomic,
  },
  [`${CORE}.NodeSelectorRequirement`]: {
    values: atomic,
  },
  [`${CORE}.TopologySelectorTerm`]: {
    matchLabelExpressions: atomic,
  },
  [`${CORE}.TopologySelectorLabelRequirement`]: {
    values: atomic,
  },
  [`${CORE}.PodAffinity`]: {
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  [`${CORE}.PodAntiAffinity`]: {
    requiredDuringSchedulingIgnoredDuringExecution: atomic,
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  [`${CORE}.PodAffinityTerm`]: {
    namespaces: atomic,
    matchLabelKeys: atomic,
    mismatchLabelKeys: atomic,
  },
  [`${CORE}.NodeAffinity`]: {
    preferredDuringSchedulingIgnoredDuringExecution: atomic,
  },
  [`${CORE}.PodSpec`]: {
    volumes: mapMerge('name', 'retainKeys'),
    initContainers: mapMerge('name'),
    containers: mapMerge('name'),
    ephemeralContainers: mapMerge('name'),
    nodeSelector: atomicMap,
    imagePullSecrets: mapMerge('name'),
    tolerations: atomic,
    hostAliases: mapMerge('ip'),
    readinessGates: atomic,
    topologySpreadConstraints: { ...listMap('topologyKey', 'whenUnsatisfiable'), ...mergeBy('topologyKey') },
    schedulingGates: mapMerge('name'),
    resourceClaims: mapMerge('name', 'retainKeys'),
  },
  [`${CORE}.TopologySpreadConstraint`]: {
    matchLabelKeys: atomic,
  },
  [`${CORE}.HostAlias`]: {
    hostnames: atomic,
  },
  [`${CORE}.PodSecurityContext`]: {
    supplementalGroups: atomic,
    sysctls: atomic,
  },
  [`${CORE}.PodDNSConfig`]: {
    nameservers: atomic,
    searches: atomic,
    options: atomic,
  },
  [`${CORE}.EphemeralContainer`]: {
    command: atomic,
    args: atomic,
    ports: { ...listMap('containerPort', 'protocol'), ...mergeBy('containerPort') },
    envFrom: atomic,
    env: mapMerge('name'),
    resizePolicy: atomic,
    volumeMounts: mapMerge('mountPath'),
    volumeDevices: mapMerge('devicePath'),
  },
  [`${CORE}.PodStatus`]: {
    conditions: mapMerge('type'),
    hostIPs: { ...atomic, ...mergeBy('ip') },
    podIPs: mapMerge('ip'),
    initContainerStatuses: atomic,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    resourceClaimStatuses: mapMerge('name', 'retainKeys'),
  },
  [`${CORE}.ReplicationControllerSpec`]: {
    selector: atomicMap,
  },
  [`${CORE}.ReplicationControllerStatus`]: {
    conditions: mapMerge('type'),
  },
  [`${CORE}.ServiceStatus`]: {
    conditions: mapMerge('type'),
  },
  [`${CORE}.LoadBalancerStatus`]: {
    ingress: atomic,
  },
  [`${CORE}.LoadBalancerIngress`]: {
    ports: atomic,
  },
  [`${CORE}.ServiceSpec`]: {
    ports: { ...listMap('port', 'protocol'), ...mergeBy('port') },
    selector: atomicMap,
    clusterIPs: atomic,
    externalIPs: atomic,
    loadBalancerSourceRanges: atomic,
    ipFamilies: atomic,
  },
  [`${CORE}.ServiceAccount`]: {
    secrets: mapMerge('name'),
    imagePullSecrets: atomic,
  },
  [`${CORE}.Endpoints`]: {
    subsets: atomic,
  },
  [`${CORE}.EndpointSubset`]: {
    addresses: atomic,
    notReadyAddresses: atomic,
    ports: atomic,
  },
  [`${CORE}.NodeSpec`]: {
    podCIDRs: mergeSet,
    taints: atomic,
  },
  [`${CORE}.NodeStatus`]: {
    conditions: mapMerge('type'),
    addresses: mapMerge('type'),
    images: atomic,
    volumesInUse: atomic,
    volumesAttached: atomic,
    runtimeHandlers: atomic,
  },
  [`${CORE}.ContainerImage`]: {
    names: atomic,
  },
  [`${CORE}.NamespaceSpec`]: {
    finalizers: atomic,
  },
  [`${CORE}.NamespaceStatus`]: {
    conditions: mapMerge('type'),
  },
  [`${CORE}.LimitRangeSpec`]: {
    limits: atomic,
  },
  [`${CORE}.ResourceQuotaSpec`]: {
    scopes: atomic,
  },
  [`${CORE}.ScopeSelector`]: {
    matchExpressions: atomic,
  },
  [`${CORE}.ScopedResourceSelectorRequirement`]: {
    values: atomic,
  },
  [`${CORE}.ComponentStatus`]: {
    conditions: mapMerge('type'),
  },
  [`${CORE}.DownwardAPIVolumeSource`]: {
    items: atomic,
  },
  [`${CORE}.DownwardAPIProjection`]: {
    items: atomic,
  },
  [`${APPS}.StatefulSetSpec`]: {
    volumeClaimTemplates: atomic,
  },
  [`${APPS}.StatefulSetStatus`]: {
    conditions: mapMerge('type'),
  },
  [`${APPS}.DeploymentSpec`]: {
    strategy: { patchStrategy: 'retainKeys' },
  },
  [`${APPS}.DeploymentStatus`]: {
    conditions: mapMerge('type'),
  },
  [`${APPS}.DaemonSetStatus`]: {
    conditions: mapMerge('type'),
  },
  [`${APPS}.ReplicaSetStatus`]: {
    conditions: mapMerge('type'),
  },
  [`${BATCH}.PodFailurePolicyOnExitCodesRequirement`]: {
    values: set,
  },
  [`${BATCH}.PodFailurePolicyRule`]: {
    onPodConditions: atomic,
  },
  [`${BATCH}.PodFailurePolicy`]: {
    rules: atomic,
  },
  [`${BATCH}.SuccessPolicy`]: {
    rules: atomic,
  },
  [`${BATCH}.JobStatus`]: {
    conditions: { ...atomic, ...mergeBy('type') },
  },
  [`${BATCH}.UncountedTerminatedPods`]: {
    succeeded: set,
    failed: set,
  },
  [`${BATCH}.CronJobStatus`]: {
    active: atomic,
  },
  [`${DISCOVERY}.EndpointSlice`]: {
    endpoints: atomic,
    ports: atomic,
  },
  [`${DISCOVERY}.Endpoint`]: {
    addresses: set,
  },
  [`${DISCOVERY}.EndpointHints`]: {
    forZones: atomic,
  },
  [`${STORAGE}.StorageClass`]: {
    mountOptions: atomic,
    allowedTopologies: atomic,
  },
  [`${STORAGE}.CSIDriverSpec`]: {
    volumeLifecycleModes: set,
    tokenRequests: atomic,
  },
  [`${STORAGE}.CSINodeSpec`]: {
    drivers: mapMerge('name'),
  },
  [`${STORAGE}.CSINodeDriver`]: {
    topologyKeys: atomic,
  },
  [`${POLICY}.PodDisruptionBudgetSpec`]: {
    selector: { patchStrategy: 'replace' },
  },
  [`${POLICY}.PodDisruptionBudgetStatus`]: {
    conditions: mapMerge('type'),
  },
  [`${RBAC}.PolicyRule`]: {
    verbs: atomic,
    apiGroups: atomic,
    resources: atomic,
    resourceNames: atomic,
    nonResourceURLs: atomic,
  },
  [`${RBAC}.Role`]: {
    rules: atomic,
  },
  [`${RBAC}.RoleBinding`]: {
    subjects: atomic,
  },
  [`${RBAC}.ClusterRole`]: {
    rules: atomic,
  },
  [`${RBAC}.AggregationRule`]: {
    clusterRoleSelectors: atomic,
  },
  [`${RBAC}.ClusterRoleBinding`]: {
    subjects: atomic,
  },
  [`${APIEXT}.CustomResourceDefinitionSpec`]: {
    versions: atomic,
  },
  [`${APIEXT}.WebhookConversion`]: {
    conversionReviewVersions: atomic,
  },
  [`${APIEXT}.CustomResourceDefinitionVersion`]: {
    additionalPrinterColumns: atomic,
    selectableFields: atomic,
  },
  [`${APIEXT}.CustomResourceDefinitionNames`]: {
    shortNames: atomic,
    categories: atomic,
  },
  [`${APIEXT}.CustomResourceDefinitionStatus`]: {
    conditions: listMap('type'),
    storedVersions: atomic,
  },
  [`${APIEXT}.JSONSchemaProps`]: {
    enum: atomic,
    required: atomic,
    allOf: atomic,
    oneOf: atomic,
    anyOf: atomic,
    'x-kubernetes-list-map-keys': atomic,
    'x-kubernetes-validations': mapMerge('rule'),
  },
  [`${META}.ObjectMeta`]: {
    ownerReferences: mapMerge('uid'),
    finalizers: mergeSet,
    managedFields: atomic,
  },
  [`${META}.DeleteOptions`]: {
    dryRun: atomic,
  },
  [`${META}.Status`]: {
    details: atomic,
  },
  [`${META}.StatusDetails`]: {
    causes: atomic,
  },
  [`${META}.APIVersions`]: {
    versions: atomic,
    serverAddressByClientCIDRs: atomic,
  },
  [`${META}.APIGroupList`]: {
    groups: atomic,
  },
  [`${META}.APIGroup`]: {
    versions: atomic,
    serverAddressByClientCIDRs: atomic,
  },
  [`${META}.APIResource`]: {
    shortNames: atomic,
    categories: atomic,
  },
  [`${META}.APIResourceList`]: {
    resources: atomic,
  },
  [`${META}.LabelSelector`]: {
    matchExpressions: atomic,
  },
  [`${META}.LabelSelectorRequirement`]: {
    values: atomic,
  },
  [`${META}.FieldSelectorRequirement`]: {
    values: atomic,
  },
};

/** Facts of whole types (`+structType=atomic`: the struct is replaced as a unit by apply). */
export const TYPE_EXTENSIONS: Readonly<Record<string, FieldFacts>> = {
  [`${CORE}.SecretReference`]: { mapType: 'atomic' },
  [`${CORE}.ObjectFieldSelector`]: { mapType: 'atomic' },
  [`${CORE}.ResourceFieldSelector`]: { mapType: 'atomic' },
  [`${CORE}.ConfigMapKeySelector`]: { mapType: 'atomic' },
  [`${CORE}.SecretKeySelector`]: { mapType: 'atomic' },
  [`${CORE}.NodeSelector`]: { mapType: 'atomic' },
  [`${CORE}.NodeSelectorTerm`]: { mapType: 'atomic' },
  [`${CORE}.TopologySelectorTerm`]: { mapType: 'atomic' },
  [`${CORE}.EndpointAddress`]: { mapType: 'atomic' },
  [`${CORE}.EndpointPort`]: { mapType: 'atomic' },
  [`${CORE}.ObjectReference`]: { mapType: 'atomic' },
  [`${CORE}.LocalObjectReference`]: { mapType: 'atomic' },
  [`${CORE}.TypedLocalObjectReference`]: { mapType: 'atomic' },
  [`${CORE}.ScopeSelector`]: { mapType: 'atomic' },
  [`${DISCOVERY}.EndpointPort`]: { mapType: 'atomic' },
  [`${RBAC}.Subject`]: { mapType: 'atomic' },
  [`${RBAC}.RoleRef`]: { mapType: 'atomic' },
  [`${AUTOSCALING}.CrossVersionObjectReference`]: { mapType: 'atomic' },
  [`${META}.OwnerReference`]: { mapType: 'atomic' },
  [`${META}.LabelSelector`]: { mapType: 'atomic' },
};

/** String fields (and maps of them) that are resource.Quantity upstream. */
export const QUANTITY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  [`${CORE}.PersistentVolumeSpec`]: ['capacity'],
  [`${CORE}.PersistentVolumeClaimStatus`]: ['capacity', 'allocatedResources'],
  [`${CORE}.EmptyDirVolumeSource`]: ['sizeLimit'],
  [`${CORE}.ResourceFieldSelector`]: ['divisor'],
  [`${CORE}.ResourceRequirements`]: ['limits', 'requests'],
  [`${CORE}.VolumeResourceRequirements`]: ['limits', 'requests'],
  [`${CORE}.ContainerStatus`]: ['allocatedResources'],
  [`${CORE}.PodSpec`]: ['overhead'],
  [`${CORE}.NodeStatus`]: ['capacity', 'allocatable'],
  [`${CORE}.LimitRangeItem`]: ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'],
  [`${CORE}.ResourceQuotaSpec`]: ['hard'],
  [`${CORE}.ResourceQuotaStatus`]: ['hard', 'used'],
  'io.k8s.api.autoscaling.v2.MetricTarget': ['value', 'averageValue'],
  'io.k8s.api.autoscaling.v2.MetricValueStatus': ['value', 'averageValue'],
  'io.k8s.api.node.v1.Overhead': ['podFixed'],
  'io.k8s.api.resource.v1alpha3.BasicDevice': ['capacity'],
  'io.k8s.api.resource.v1beta1.DeviceCapacity': ['value'],
  [`${STORAGE}.CSIStorageCapacity`]: ['capacity', 'maximumVolumeSize'],
};

/** The definition each untyped (`any`) field of the models has upstream. */
export const ANY_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  [`${APPS}.ControllerRevision`]: { data: RAW },
  [`${APIEXT}.CustomResourceSubresources`]: { status: `${APIEXT}.CustomResourceSubresourceStatus` },
  [`${APIEXT}.JSONSchemaProps`]: {
    additionalItems: `${APIEXT}.JSONSchemaPropsOrBool`,
    additionalProperties: `${APIEXT}.JSONSchemaPropsOrBool`,
    default: `${APIEXT}.JSON`,
    dependencies: `${APIEXT}.JSONSchemaPropsOrStringArray`,
    enum: `${APIEXT}.JSON`,
    example: `${APIEXT}.JSON`,
    items: `${APIEXT}.JSONSchemaPropsOrArray`,
  },
  [`${META}.ManagedFieldsEntry`]: { fieldsV1: `${META}.FieldsV1` },
  [`${META}.WatchEvent`]: { object: RAW },
  'io.k8s.api.apiserverinternal.v1alpha1.StorageVersion': { spec: 'io.k8s.api.apiserverinternal.v1alpha1.StorageVersionSpec' },
  'io.k8s.api.resource.v1alpha3.AllocatedDeviceStatus': { data: RAW },
  'io.k8s.api.resource.v1alpha3.OpaqueDeviceConfiguration': { parameters: RAW },
  'io.k8s.api.resource.v1beta1.AllocatedDeviceStatus': { data: RAW },
  'io.k8s.api.resource.v1beta1.OpaqueDeviceConfiguration': { parameters: RAW },
};
