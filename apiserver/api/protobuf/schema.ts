// The protobuf message table of every kind the API server decodes from protobuf bodies: Kubernetes
// 1.32's field numbers (k8s.io/api and k8s.io/apimachinery v0.32.4: <group>/<version>/generated.proto
// and meta/v1) joined with the Go types and JSON tags of the same fields (types.go: pointer or not,
// omitempty or not, inline), written in nodelet's own notation. Fields are listed in the Go
// structs' order, which is the order of kube's JSON. Data only; `descriptors.ts` reads it.
//
// One string per message, fields `; `-separated, each `<number> <jsonName> <type>`:
// - type: a scalar (`string`, `bool`, `int32`, `int64`, `bytes`), a message of the same package
//   (`PodSpec`), of another (`meta.ObjectMeta`, `core.PodTemplateSpec`), or a special message with
//   its own JSON form: `Quantity`, `IntOrString`, `Time`, `MicroTime`, `Duration`, `RawExtension`,
//   `FieldsV1`;
// - `*type`: a Go pointer (optional): present on the wire = set, even when zero (`replicas: 0`);
// - `type!`: a scalar without `omitempty`: kube's JSON shows its zero value (`value: 0`);
// - `type[]`: repeated; `{type}`: a map from string keys;
// - jsonName `...`: the message is inlined into its parent's JSON (`json:",inline"`).
// A message written `'[] type'` is a named list (`ExtraValue []string`): its JSON is the bare array.

/** The API version each package of the table serves (`meta` kinds are accepted in every version). */
export const PACKAGE_VERSIONS = {
  meta: 'meta.k8s.io/v1',
  core: 'v1',
  apps: 'apps/v1',
  batch: 'batch/v1',
  policy: 'policy/v1',
  rbac: 'rbac.authorization.k8s.io/v1',
  authn: 'authentication.k8s.io/v1',
  authz: 'authorization.k8s.io/v1',
  autoscaling1: 'autoscaling/v1',
  autoscaling2: 'autoscaling/v2',
  networking: 'networking.k8s.io/v1',
  scheduling: 'scheduling.k8s.io/v1',
  coordination: 'coordination.k8s.io/v1',
} as const;

export type PackageName = keyof typeof PACKAGE_VERSIONS;

/** The top-level kinds of each package: the messages a request body may carry. */
export const PACKAGE_KINDS: Record<PackageName, readonly string[]> = {
  meta: ['DeleteOptions'],
  core: [
    'Binding', 'ComponentStatus', 'ConfigMap', 'Endpoints', 'Event', 'LimitRange', 'Namespace', 'Node', 'PersistentVolume',
    'PersistentVolumeClaim', 'Pod', 'PodTemplate', 'ReplicationController', 'ResourceQuota', 'Secret', 'Service', 'ServiceAccount',
  ],
  apps: ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'],
  batch: ['CronJob', 'Job'],
  policy: ['Eviction', 'PodDisruptionBudget'],
  rbac: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  authn: ['SelfSubjectReview', 'TokenRequest', 'TokenReview'],
  authz: ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'],
  autoscaling1: ['HorizontalPodAutoscaler', 'Scale'],
  autoscaling2: ['HorizontalPodAutoscaler'],
  networking: ['Ingress', 'IngressClass', 'NetworkPolicy'],
  scheduling: ['PriorityClass'],
  coordination: ['Lease'],
};

/** Every message reachable from those kinds, by package. */
export const MESSAGES: Record<PackageName, Record<string, string>> = {
  meta: {
    Condition: '1 type string!; 2 status string!; 3 observedGeneration int64; 4 lastTransitionTime Time; 5 reason string!; 6 message string!',
    DeleteOptions:
      '1 gracePeriodSeconds *int64; 2 preconditions *Preconditions; 3 orphanDependents *bool; 4 propagationPolicy *string; ' +
      '5 dryRun string[]; 6 ignoreStoreReadErrorWithClusterBreakingPotential *bool',
    FieldSelectorRequirement: '1 key string!; 2 operator string!; 3 values string[]',
    LabelSelector: '1 matchLabels {string}; 2 matchExpressions LabelSelectorRequirement[]',
    LabelSelectorRequirement: '1 key string!; 2 operator string!; 3 values string[]',
    ManagedFieldsEntry:
      '1 manager string; 2 operation string; 3 apiVersion string; 4 time *Time; 6 fieldsType string; 7 fieldsV1 *FieldsV1; ' +
      '8 subresource string',
    ObjectMeta:
      '1 name string; 2 generateName string; 3 namespace string; 4 selfLink string; 5 uid string; 6 resourceVersion string; ' +
      '7 generation int64; 8 creationTimestamp Time; 9 deletionTimestamp *Time; 10 deletionGracePeriodSeconds *int64; ' +
      '11 labels {string}; 12 annotations {string}; 13 ownerReferences OwnerReference[]; 14 finalizers string[]; ' +
      '17 managedFields ManagedFieldsEntry[]',
    OwnerReference: '5 apiVersion string!; 1 kind string!; 3 name string!; 4 uid string!; 6 controller *bool; 7 blockOwnerDeletion *bool',
    Preconditions: '1 uid *string; 2 resourceVersion *string',
  },
  core: {
    Affinity: '1 nodeAffinity *NodeAffinity; 2 podAffinity *PodAffinity; 3 podAntiAffinity *PodAntiAffinity',
    AppArmorProfile: '1 type string!; 2 localhostProfile *string',
    AttachedVolume: '1 name string!; 2 devicePath string!',
    AvoidPods: '1 preferAvoidPods PreferAvoidPodsEntry[]',
    AWSElasticBlockStoreVolumeSource: '1 volumeID string!; 2 fsType string; 3 partition int32; 4 readOnly bool',
    AzureDiskVolumeSource: '1 diskName string!; 2 diskURI string!; 3 cachingMode *string; 4 fsType *string; 5 readOnly *bool; 6 kind *string',
    AzureFilePersistentVolumeSource: '1 secretName string!; 2 shareName string!; 3 readOnly bool; 4 secretNamespace *string',
    AzureFileVolumeSource: '1 secretName string!; 2 shareName string!; 3 readOnly bool',
    Binding: '1 metadata meta.ObjectMeta; 2 target ObjectReference',
    Capabilities: '1 add string[]; 2 drop string[]',
    CephFSPersistentVolumeSource:
      '1 monitors string[]; 2 path string; 3 user string; 4 secretFile string; 5 secretRef *SecretReference; 6 readOnly bool',
    CephFSVolumeSource: '1 monitors string[]; 2 path string; 3 user string; 4 secretFile string; 5 secretRef *LocalObjectReference; 6 readOnly bool',
    CinderPersistentVolumeSource: '1 volumeID string!; 2 fsType string; 3 readOnly bool; 4 secretRef *SecretReference',
    CinderVolumeSource: '1 volumeID string!; 2 fsType string; 3 readOnly bool; 4 secretRef *LocalObjectReference',
    ClientIPConfig: '1 timeoutSeconds *int32',
    ClusterTrustBundleProjection: '1 name *string; 2 signerName *string; 3 labelSelector *meta.LabelSelector; 5 optional *bool; 4 path string!',
    ComponentCondition: '1 type string!; 2 status string!; 3 message string; 4 error string',
    ComponentStatus: '1 metadata meta.ObjectMeta; 2 conditions ComponentCondition[]',
    ConfigMap: '1 metadata meta.ObjectMeta; 4 immutable *bool; 2 data {string}; 3 binaryData {bytes}',
    ConfigMapEnvSource: '1 ... LocalObjectReference; 2 optional *bool',
    ConfigMapKeySelector: '1 ... LocalObjectReference; 2 key string!; 3 optional *bool',
    ConfigMapNodeConfigSource: '1 namespace string!; 2 name string!; 3 uid string; 4 resourceVersion string; 5 kubeletConfigKey string!',
    ConfigMapProjection: '1 ... LocalObjectReference; 2 items KeyToPath[]; 4 optional *bool',
    ConfigMapVolumeSource: '1 ... LocalObjectReference; 2 items KeyToPath[]; 3 defaultMode *int32; 4 optional *bool',
    Container:
      '1 name string!; 2 image string; 3 command string[]; 4 args string[]; 5 workingDir string; 6 ports ContainerPort[]; ' +
      '19 envFrom EnvFromSource[]; 7 env EnvVar[]; 8 resources ResourceRequirements; 23 resizePolicy ContainerResizePolicy[]; ' +
      '24 restartPolicy *string; 9 volumeMounts VolumeMount[]; 21 volumeDevices VolumeDevice[]; 10 livenessProbe *Probe; ' +
      '11 readinessProbe *Probe; 22 startupProbe *Probe; 12 lifecycle *Lifecycle; 13 terminationMessagePath string; ' +
      '20 terminationMessagePolicy string; 14 imagePullPolicy string; 15 securityContext *SecurityContext; 16 stdin bool; ' +
      '17 stdinOnce bool; 18 tty bool',
    ContainerImage: '1 names string[]; 2 sizeBytes int64',
    ContainerPort: '1 name string; 2 hostPort int32; 3 containerPort int32!; 4 protocol string; 5 hostIP string',
    ContainerResizePolicy: '1 resourceName string!; 2 restartPolicy string!',
    ContainerState: '1 waiting *ContainerStateWaiting; 2 running *ContainerStateRunning; 3 terminated *ContainerStateTerminated',
    ContainerStateRunning: '1 startedAt Time',
    ContainerStateTerminated:
      '1 exitCode int32!; 2 signal int32; 3 reason string; 4 message string; 5 startedAt Time; 6 finishedAt Time; ' +
      '7 containerID string',
    ContainerStateWaiting: '1 reason string; 2 message string',
    ContainerStatus:
      '1 name string!; 2 state ContainerState; 3 lastState ContainerState; 4 ready bool!; 5 restartCount int32!; ' +
      '6 image string!; 7 imageID string!; 8 containerID string; 9 started *bool; 10 allocatedResources {Quantity}; ' +
      '11 resources *ResourceRequirements; 12 volumeMounts VolumeMountStatus[]; 13 user *ContainerUser; ' +
      '14 allocatedResourcesStatus ResourceStatus[]',
    ContainerUser: '1 linux *LinuxContainerUser',
    CSIPersistentVolumeSource:
      '1 driver string!; 2 volumeHandle string!; 3 readOnly bool; 4 fsType string; 5 volumeAttributes {string}; ' +
      '6 controllerPublishSecretRef *SecretReference; 7 nodeStageSecretRef *SecretReference; ' +
      '8 nodePublishSecretRef *SecretReference; 9 controllerExpandSecretRef *SecretReference; ' +
      '10 nodeExpandSecretRef *SecretReference',
    CSIVolumeSource:
      '1 driver string!; 2 readOnly *bool; 3 fsType *string; 4 volumeAttributes {string}; ' +
      '5 nodePublishSecretRef *LocalObjectReference',
    DaemonEndpoint: '1 Port int32!',
    DownwardAPIProjection: '1 items DownwardAPIVolumeFile[]',
    DownwardAPIVolumeFile: '1 path string!; 2 fieldRef *ObjectFieldSelector; 3 resourceFieldRef *ResourceFieldSelector; 4 mode *int32',
    DownwardAPIVolumeSource: '1 items DownwardAPIVolumeFile[]; 2 defaultMode *int32',
    EmptyDirVolumeSource: '1 medium string; 2 sizeLimit *Quantity',
    EndpointAddress: '1 ip string!; 3 hostname string; 4 nodeName *string; 2 targetRef *ObjectReference',
    EndpointPort: '1 name string; 2 port int32!; 3 protocol string; 4 appProtocol *string',
    Endpoints: '1 metadata meta.ObjectMeta; 2 subsets EndpointSubset[]',
    EndpointSubset: '1 addresses EndpointAddress[]; 2 notReadyAddresses EndpointAddress[]; 3 ports EndpointPort[]',
    EnvFromSource: '1 prefix string; 2 configMapRef *ConfigMapEnvSource; 3 secretRef *SecretEnvSource',
    EnvVar: '1 name string!; 2 value string; 3 valueFrom *EnvVarSource',
    EnvVarSource:
      '1 fieldRef *ObjectFieldSelector; 2 resourceFieldRef *ResourceFieldSelector; 3 configMapKeyRef *ConfigMapKeySelector; ' +
      '4 secretKeyRef *SecretKeySelector',
    EphemeralContainer: '1 ... EphemeralContainerCommon; 2 targetContainerName string',
    EphemeralContainerCommon:
      '1 name string!; 2 image string; 3 command string[]; 4 args string[]; 5 workingDir string; 6 ports ContainerPort[]; ' +
      '19 envFrom EnvFromSource[]; 7 env EnvVar[]; 8 resources ResourceRequirements; 23 resizePolicy ContainerResizePolicy[]; ' +
      '24 restartPolicy *string; 9 volumeMounts VolumeMount[]; 21 volumeDevices VolumeDevice[]; 10 livenessProbe *Probe; ' +
      '11 readinessProbe *Probe; 22 startupProbe *Probe; 12 lifecycle *Lifecycle; 13 terminationMessagePath string; ' +
      '20 terminationMessagePolicy string; 14 imagePullPolicy string; 15 securityContext *SecurityContext; 16 stdin bool; ' +
      '17 stdinOnce bool; 18 tty bool',
    EphemeralVolumeSource: '1 volumeClaimTemplate *PersistentVolumeClaimTemplate',
    Event:
      '1 metadata meta.ObjectMeta; 2 involvedObject ObjectReference; 3 reason string; 4 message string; 5 source EventSource; ' +
      '6 firstTimestamp Time; 7 lastTimestamp Time; 8 count int32; 9 type string; 10 eventTime MicroTime; ' +
      '11 series *EventSeries; 12 action string; 13 related *ObjectReference; 14 reportingComponent string!; ' +
      '15 reportingInstance string!',
    EventSeries: '1 count int32; 2 lastObservedTime MicroTime',
    EventSource: '1 component string; 2 host string',
    ExecAction: '1 command string[]',
    FCVolumeSource: '1 targetWWNs string[]; 2 lun *int32; 3 fsType string; 4 readOnly bool; 5 wwids string[]',
    FlexPersistentVolumeSource: '1 driver string!; 2 fsType string; 3 secretRef *SecretReference; 4 readOnly bool; 5 options {string}',
    FlexVolumeSource: '1 driver string!; 2 fsType string; 3 secretRef *LocalObjectReference; 4 readOnly bool; 5 options {string}',
    FlockerVolumeSource: '1 datasetName string; 2 datasetUUID string',
    GCEPersistentDiskVolumeSource: '1 pdName string!; 2 fsType string; 3 partition int32; 4 readOnly bool',
    GitRepoVolumeSource: '1 repository string!; 2 revision string; 3 directory string',
    GlusterfsPersistentVolumeSource: '1 endpoints string!; 2 path string!; 3 readOnly bool; 4 endpointsNamespace *string',
    GlusterfsVolumeSource: '1 endpoints string!; 2 path string!; 3 readOnly bool',
    GRPCAction: '1 port int32!; 2 service *string',
    HostAlias: '1 ip string!; 2 hostnames string[]',
    HostIP: '1 ip string!',
    HostPathVolumeSource: '1 path string!; 2 type *string',
    HTTPGetAction: '1 path string; 2 port IntOrString; 3 host string; 4 scheme string; 5 httpHeaders HTTPHeader[]',
    HTTPHeader: '1 name string!; 2 value string!',
    ImageVolumeSource: '1 reference string; 2 pullPolicy string',
    ISCSIPersistentVolumeSource:
      '1 targetPortal string!; 2 iqn string!; 3 lun int32!; 4 iscsiInterface string; 5 fsType string; 6 readOnly bool; ' +
      '7 portals string[]; 8 chapAuthDiscovery bool; 11 chapAuthSession bool; 10 secretRef *SecretReference; ' +
      '12 initiatorName *string',
    ISCSIVolumeSource:
      '1 targetPortal string!; 2 iqn string!; 3 lun int32!; 4 iscsiInterface string; 5 fsType string; 6 readOnly bool; ' +
      '7 portals string[]; 8 chapAuthDiscovery bool; 11 chapAuthSession bool; 10 secretRef *LocalObjectReference; ' +
      '12 initiatorName *string',
    KeyToPath: '1 key string!; 2 path string!; 3 mode *int32',
    Lifecycle: '1 postStart *LifecycleHandler; 2 preStop *LifecycleHandler',
    LifecycleHandler: '1 exec *ExecAction; 2 httpGet *HTTPGetAction; 3 tcpSocket *TCPSocketAction; 4 sleep *SleepAction',
    LimitRange: '1 metadata meta.ObjectMeta; 2 spec LimitRangeSpec',
    LimitRangeItem:
      '1 type string!; 2 max {Quantity}; 3 min {Quantity}; 4 default {Quantity}; 5 defaultRequest {Quantity}; ' +
      '6 maxLimitRequestRatio {Quantity}',
    LimitRangeSpec: '1 limits LimitRangeItem[]',
    LinuxContainerUser: '1 uid int64!; 2 gid int64!; 3 supplementalGroups int64[]',
    LoadBalancerIngress: '1 ip string; 2 hostname string; 3 ipMode *string; 4 ports PortStatus[]',
    LoadBalancerStatus: '1 ingress LoadBalancerIngress[]',
    LocalObjectReference: '1 name string',
    LocalVolumeSource: '1 path string!; 2 fsType *string',
    ModifyVolumeStatus: '1 targetVolumeAttributesClassName string; 2 status string!',
    Namespace: '1 metadata meta.ObjectMeta; 2 spec NamespaceSpec; 3 status NamespaceStatus',
    NamespaceCondition: '1 type string!; 2 status string!; 4 lastTransitionTime Time; 5 reason string; 6 message string',
    NamespaceSpec: '1 finalizers string[]',
    NamespaceStatus: '1 phase string; 2 conditions NamespaceCondition[]',
    NFSVolumeSource: '1 server string!; 2 path string!; 3 readOnly bool',
    Node: '1 metadata meta.ObjectMeta; 2 spec NodeSpec; 3 status NodeStatus',
    NodeAddress: '1 type string!; 2 address string!',
    NodeAffinity:
      '1 requiredDuringSchedulingIgnoredDuringExecution *NodeSelector; ' +
      '2 preferredDuringSchedulingIgnoredDuringExecution PreferredSchedulingTerm[]',
    NodeCondition: '1 type string!; 2 status string!; 3 lastHeartbeatTime Time; 4 lastTransitionTime Time; 5 reason string; 6 message string',
    NodeConfigSource: '2 configMap *ConfigMapNodeConfigSource',
    NodeConfigStatus: '1 assigned *NodeConfigSource; 2 active *NodeConfigSource; 3 lastKnownGood *NodeConfigSource; 4 error string',
    NodeDaemonEndpoints: '1 kubeletEndpoint DaemonEndpoint',
    NodeFeatures: '1 supplementalGroupsPolicy *bool',
    NodeProxyOptions: '1 path string',
    NodeRuntimeHandler: '1 name string!; 2 features *NodeRuntimeHandlerFeatures',
    NodeRuntimeHandlerFeatures: '1 recursiveReadOnlyMounts *bool; 2 userNamespaces *bool',
    NodeSelector: '1 nodeSelectorTerms NodeSelectorTerm[]',
    NodeSelectorRequirement: '1 key string!; 2 operator string!; 3 values string[]',
    NodeSelectorTerm: '1 matchExpressions NodeSelectorRequirement[]; 2 matchFields NodeSelectorRequirement[]',
    NodeSpec:
      '1 podCIDR string; 7 podCIDRs string[]; 3 providerID string; 4 unschedulable bool; 5 taints Taint[]; ' +
      '6 configSource *NodeConfigSource; 2 externalID string',
    NodeStatus:
      '1 capacity {Quantity}; 2 allocatable {Quantity}; 3 phase string; 4 conditions NodeCondition[]; 5 addresses NodeAddress[]; ' +
      '6 daemonEndpoints NodeDaemonEndpoints; 7 nodeInfo NodeSystemInfo; 8 images ContainerImage[]; 9 volumesInUse string[]; ' +
      '10 volumesAttached AttachedVolume[]; 11 config *NodeConfigStatus; 12 runtimeHandlers NodeRuntimeHandler[]; ' +
      '13 features *NodeFeatures',
    NodeSystemInfo:
      '1 machineID string!; 2 systemUUID string!; 3 bootID string!; 4 kernelVersion string!; 5 osImage string!; ' +
      '6 containerRuntimeVersion string!; 7 kubeletVersion string!; 8 kubeProxyVersion string!; 9 operatingSystem string!; ' +
      '10 architecture string!',
    ObjectFieldSelector: '1 apiVersion string; 2 fieldPath string!',
    ObjectReference:
      '1 kind string; 2 namespace string; 3 name string; 4 uid string; 5 apiVersion string; 6 resourceVersion string; ' +
      '7 fieldPath string',
    PersistentVolume: '1 metadata meta.ObjectMeta; 2 spec PersistentVolumeSpec; 3 status PersistentVolumeStatus',
    PersistentVolumeClaim: '1 metadata meta.ObjectMeta; 2 spec PersistentVolumeClaimSpec; 3 status PersistentVolumeClaimStatus',
    PersistentVolumeClaimCondition:
      '1 type string!; 2 status string!; 3 lastProbeTime Time; 4 lastTransitionTime Time; 5 reason string; 6 message string',
    PersistentVolumeClaimSpec:
      '1 accessModes string[]; 4 selector *meta.LabelSelector; 2 resources VolumeResourceRequirements; 3 volumeName string; ' +
      '5 storageClassName *string; 6 volumeMode *string; 7 dataSource *TypedLocalObjectReference; ' +
      '8 dataSourceRef *TypedObjectReference; 9 volumeAttributesClassName *string',
    PersistentVolumeClaimStatus:
      '1 phase string; 2 accessModes string[]; 3 capacity {Quantity}; 4 conditions PersistentVolumeClaimCondition[]; ' +
      '5 allocatedResources {Quantity}; 7 allocatedResourceStatuses {string}; 8 currentVolumeAttributesClassName *string; ' +
      '9 modifyVolumeStatus *ModifyVolumeStatus',
    PersistentVolumeClaimTemplate: '1 metadata meta.ObjectMeta; 2 spec PersistentVolumeClaimSpec',
    PersistentVolumeClaimVolumeSource: '1 claimName string!; 2 readOnly bool',
    PersistentVolumeSource:
      '1 gcePersistentDisk *GCEPersistentDiskVolumeSource; 2 awsElasticBlockStore *AWSElasticBlockStoreVolumeSource; ' +
      '3 hostPath *HostPathVolumeSource; 4 glusterfs *GlusterfsPersistentVolumeSource; 5 nfs *NFSVolumeSource; ' +
      '6 rbd *RBDPersistentVolumeSource; 7 iscsi *ISCSIPersistentVolumeSource; 8 cinder *CinderPersistentVolumeSource; ' +
      '9 cephfs *CephFSPersistentVolumeSource; 10 fc *FCVolumeSource; 11 flocker *FlockerVolumeSource; ' +
      '12 flexVolume *FlexPersistentVolumeSource; 13 azureFile *AzureFilePersistentVolumeSource; ' +
      '14 vsphereVolume *VsphereVirtualDiskVolumeSource; 15 quobyte *QuobyteVolumeSource; 16 azureDisk *AzureDiskVolumeSource; ' +
      '17 photonPersistentDisk *PhotonPersistentDiskVolumeSource; 18 portworxVolume *PortworxVolumeSource; ' +
      '19 scaleIO *ScaleIOPersistentVolumeSource; 20 local *LocalVolumeSource; 21 storageos *StorageOSPersistentVolumeSource; ' +
      '22 csi *CSIPersistentVolumeSource',
    PersistentVolumeSpec:
      '1 capacity {Quantity}; 2 ... PersistentVolumeSource; 3 accessModes string[]; 4 claimRef *ObjectReference; ' +
      '5 persistentVolumeReclaimPolicy string; 6 storageClassName string; 7 mountOptions string[]; 8 volumeMode *string; ' +
      '9 nodeAffinity *VolumeNodeAffinity; 10 volumeAttributesClassName *string',
    PersistentVolumeStatus: '1 phase string; 2 message string; 3 reason string; 4 lastPhaseTransitionTime *Time',
    PhotonPersistentDiskVolumeSource: '1 pdID string!; 2 fsType string',
    Pod: '1 metadata meta.ObjectMeta; 2 spec PodSpec; 3 status PodStatus',
    PodAffinity:
      '1 requiredDuringSchedulingIgnoredDuringExecution PodAffinityTerm[]; ' +
      '2 preferredDuringSchedulingIgnoredDuringExecution WeightedPodAffinityTerm[]',
    PodAffinityTerm:
      '1 labelSelector *meta.LabelSelector; 2 namespaces string[]; 3 topologyKey string!; ' +
      '4 namespaceSelector *meta.LabelSelector; 5 matchLabelKeys string[]; 6 mismatchLabelKeys string[]',
    PodAntiAffinity:
      '1 requiredDuringSchedulingIgnoredDuringExecution PodAffinityTerm[]; ' +
      '2 preferredDuringSchedulingIgnoredDuringExecution WeightedPodAffinityTerm[]',
    PodAttachOptions: '1 stdin bool; 2 stdout bool; 3 stderr bool; 4 tty bool; 5 container string',
    PodCondition: '1 type string!; 2 status string!; 3 lastProbeTime Time; 4 lastTransitionTime Time; 5 reason string; 6 message string',
    PodDNSConfig: '1 nameservers string[]; 2 searches string[]; 3 options PodDNSConfigOption[]',
    PodDNSConfigOption: '1 name string; 2 value *string',
    PodExecOptions: '1 stdin bool; 2 stdout bool; 3 stderr bool; 4 tty bool; 5 container string; 6 command string[]',
    PodIP: '1 ip string!',
    PodLogOptions:
      '1 container string; 2 follow bool; 3 previous bool; 4 sinceSeconds *int64; 5 sinceTime *Time; 6 timestamps bool; ' +
      '7 tailLines *int64; 8 limitBytes *int64; 9 insecureSkipTLSVerifyBackend bool; 10 stream *string',
    PodOS: '1 name string!',
    PodPortForwardOptions: '1 ports int32[]',
    PodProxyOptions: '1 path string',
    PodReadinessGate: '1 conditionType string!',
    PodResourceClaim: '1 name string!; 3 resourceClaimName *string; 4 resourceClaimTemplateName *string',
    PodResourceClaimStatus: '1 name string!; 2 resourceClaimName *string',
    PodSchedulingGate: '1 name string!',
    PodSecurityContext:
      '1 seLinuxOptions *SELinuxOptions; 8 windowsOptions *WindowsSecurityContextOptions; 2 runAsUser *int64; ' +
      '6 runAsGroup *int64; 3 runAsNonRoot *bool; 4 supplementalGroups int64[]; 12 supplementalGroupsPolicy *string; ' +
      '5 fsGroup *int64; 7 sysctls Sysctl[]; 9 fsGroupChangePolicy *string; 10 seccompProfile *SeccompProfile; ' +
      '11 appArmorProfile *AppArmorProfile; 13 seLinuxChangePolicy *string',
    PodSignature: '1 podController *meta.OwnerReference',
    PodSpec:
      '1 volumes Volume[]; 20 initContainers Container[]; 2 containers Container[]; 34 ephemeralContainers EphemeralContainer[]; ' +
      '3 restartPolicy string; 4 terminationGracePeriodSeconds *int64; 5 activeDeadlineSeconds *int64; 6 dnsPolicy string; ' +
      '7 nodeSelector {string}; 8 serviceAccountName string; 9 serviceAccount string; 21 automountServiceAccountToken *bool; ' +
      '10 nodeName string; 11 hostNetwork bool; 12 hostPID bool; 13 hostIPC bool; 27 shareProcessNamespace *bool; ' +
      '14 securityContext *PodSecurityContext; 15 imagePullSecrets LocalObjectReference[]; 16 hostname string; ' +
      '17 subdomain string; 18 affinity *Affinity; 19 schedulerName string; 22 tolerations Toleration[]; ' +
      '23 hostAliases HostAlias[]; 24 priorityClassName string; 25 priority *int32; 26 dnsConfig *PodDNSConfig; ' +
      '28 readinessGates PodReadinessGate[]; 29 runtimeClassName *string; 30 enableServiceLinks *bool; ' +
      '31 preemptionPolicy *string; 32 overhead {Quantity}; 33 topologySpreadConstraints TopologySpreadConstraint[]; ' +
      '35 setHostnameAsFQDN *bool; 36 os *PodOS; 37 hostUsers *bool; 38 schedulingGates PodSchedulingGate[]; ' +
      '39 resourceClaims PodResourceClaim[]; 40 resources *ResourceRequirements',
    PodStatus:
      '1 phase string; 2 conditions PodCondition[]; 3 message string; 4 reason string; 11 nominatedNodeName string; ' +
      '5 hostIP string; 16 hostIPs HostIP[]; 6 podIP string; 12 podIPs PodIP[]; 7 startTime *Time; ' +
      '10 initContainerStatuses ContainerStatus[]; 8 containerStatuses ContainerStatus[]; 9 qosClass string; ' +
      '13 ephemeralContainerStatuses ContainerStatus[]; 14 resize string; 15 resourceClaimStatuses PodResourceClaimStatus[]',
    PodStatusResult: '1 metadata meta.ObjectMeta; 2 status PodStatus',
    PodTemplate: '1 metadata meta.ObjectMeta; 2 template PodTemplateSpec',
    PodTemplateSpec: '1 metadata meta.ObjectMeta; 2 spec PodSpec',
    PortStatus: '1 port int32!; 2 protocol string!; 3 error *string',
    PortworxVolumeSource: '1 volumeID string!; 2 fsType string; 3 readOnly bool',
    Preconditions: '1 uid *string',
    PreferAvoidPodsEntry: '1 podSignature PodSignature; 2 evictionTime Time; 3 reason string; 4 message string',
    PreferredSchedulingTerm: '1 weight int32!; 2 preference NodeSelectorTerm',
    Probe:
      '1 ... ProbeHandler; 2 initialDelaySeconds int32; 3 timeoutSeconds int32; 4 periodSeconds int32; 5 successThreshold int32; ' +
      '6 failureThreshold int32; 7 terminationGracePeriodSeconds *int64',
    ProbeHandler: '1 exec *ExecAction; 2 httpGet *HTTPGetAction; 3 tcpSocket *TCPSocketAction; 4 grpc *GRPCAction',
    ProjectedVolumeSource: '1 sources VolumeProjection[]; 2 defaultMode *int32',
    QuobyteVolumeSource: '1 registry string!; 2 volume string!; 3 readOnly bool; 4 user string; 5 group string; 6 tenant string',
    RangeAllocation: '1 metadata meta.ObjectMeta; 2 range string!; 3 data bytes',
    RBDPersistentVolumeSource:
      '1 monitors string[]; 2 image string!; 3 fsType string; 4 pool string; 5 user string; 6 keyring string; ' +
      '7 secretRef *SecretReference; 8 readOnly bool',
    RBDVolumeSource:
      '1 monitors string[]; 2 image string!; 3 fsType string; 4 pool string; 5 user string; 6 keyring string; ' +
      '7 secretRef *LocalObjectReference; 8 readOnly bool',
    ReplicationController: '1 metadata meta.ObjectMeta; 2 spec ReplicationControllerSpec; 3 status ReplicationControllerStatus',
    ReplicationControllerCondition: '1 type string!; 2 status string!; 3 lastTransitionTime Time; 4 reason string; 5 message string',
    ReplicationControllerSpec: '1 replicas *int32; 4 minReadySeconds int32; 2 selector {string}; 3 template *PodTemplateSpec',
    ReplicationControllerStatus:
      '1 replicas int32!; 2 fullyLabeledReplicas int32; 4 readyReplicas int32; 5 availableReplicas int32; ' +
      '3 observedGeneration int64; 6 conditions ReplicationControllerCondition[]',
    ResourceClaim: '1 name string!; 2 request string',
    ResourceFieldSelector: '1 containerName string; 2 resource string!; 3 divisor Quantity',
    ResourceHealth: '1 resourceID string!; 2 health string',
    ResourceQuota: '1 metadata meta.ObjectMeta; 2 spec ResourceQuotaSpec; 3 status ResourceQuotaStatus',
    ResourceQuotaSpec: '1 hard {Quantity}; 2 scopes string[]; 3 scopeSelector *ScopeSelector',
    ResourceQuotaStatus: '1 hard {Quantity}; 2 used {Quantity}',
    ResourceRequirements: '1 limits {Quantity}; 2 requests {Quantity}; 3 claims ResourceClaim[]',
    ResourceStatus: '1 name string!; 2 resources ResourceHealth[]',
    ScaleIOPersistentVolumeSource:
      '1 gateway string!; 2 system string!; 3 secretRef *SecretReference; 4 sslEnabled bool; 5 protectionDomain string; ' +
      '6 storagePool string; 7 storageMode string; 8 volumeName string; 9 fsType string; 10 readOnly bool',
    ScaleIOVolumeSource:
      '1 gateway string!; 2 system string!; 3 secretRef *LocalObjectReference; 4 sslEnabled bool; 5 protectionDomain string; ' +
      '6 storagePool string; 7 storageMode string; 8 volumeName string; 9 fsType string; 10 readOnly bool',
    ScopedResourceSelectorRequirement: '1 scopeName string!; 2 operator string!; 3 values string[]',
    ScopeSelector: '1 matchExpressions ScopedResourceSelectorRequirement[]',
    SeccompProfile: '1 type string!; 2 localhostProfile *string',
    Secret: '1 metadata meta.ObjectMeta; 5 immutable *bool; 2 data {bytes}; 4 stringData {string}; 3 type string',
    SecretEnvSource: '1 ... LocalObjectReference; 2 optional *bool',
    SecretKeySelector: '1 ... LocalObjectReference; 2 key string!; 3 optional *bool',
    SecretProjection: '1 ... LocalObjectReference; 2 items KeyToPath[]; 4 optional *bool',
    SecretReference: '1 name string; 2 namespace string',
    SecretVolumeSource: '1 secretName string; 2 items KeyToPath[]; 3 defaultMode *int32; 4 optional *bool',
    SecurityContext:
      '1 capabilities *Capabilities; 2 privileged *bool; 3 seLinuxOptions *SELinuxOptions; ' +
      '10 windowsOptions *WindowsSecurityContextOptions; 4 runAsUser *int64; 8 runAsGroup *int64; 5 runAsNonRoot *bool; ' +
      '6 readOnlyRootFilesystem *bool; 7 allowPrivilegeEscalation *bool; 9 procMount *string; 11 seccompProfile *SeccompProfile; ' +
      '12 appArmorProfile *AppArmorProfile',
    SELinuxOptions: '1 user string; 2 role string; 3 type string; 4 level string',
    SerializedReference: '1 reference ObjectReference',
    Service: '1 metadata meta.ObjectMeta; 2 spec ServiceSpec; 3 status ServiceStatus',
    ServiceAccount:
      '1 metadata meta.ObjectMeta; 2 secrets ObjectReference[]; 3 imagePullSecrets LocalObjectReference[]; ' +
      '4 automountServiceAccountToken *bool',
    ServiceAccountTokenProjection: '1 audience string; 2 expirationSeconds *int64; 3 path string!',
    ServicePort: '1 name string; 2 protocol string; 6 appProtocol *string; 3 port int32!; 4 targetPort IntOrString; 5 nodePort int32',
    ServiceProxyOptions: '1 path string',
    ServiceSpec:
      '1 ports ServicePort[]; 2 selector {string}; 3 clusterIP string; 18 clusterIPs string[]; 4 type string; ' +
      '5 externalIPs string[]; 7 sessionAffinity string; 8 loadBalancerIP string; 9 loadBalancerSourceRanges string[]; ' +
      '10 externalName string; 11 externalTrafficPolicy string; 12 healthCheckNodePort int32; 13 publishNotReadyAddresses bool; ' +
      '14 sessionAffinityConfig *SessionAffinityConfig; 19 ipFamilies string[]; 17 ipFamilyPolicy *string; ' +
      '20 allocateLoadBalancerNodePorts *bool; 21 loadBalancerClass *string; 22 internalTrafficPolicy *string; ' +
      '23 trafficDistribution *string',
    ServiceStatus: '1 loadBalancer LoadBalancerStatus; 2 conditions meta.Condition[]',
    SessionAffinityConfig: '1 clientIP *ClientIPConfig',
    SleepAction: '1 seconds int64!',
    StorageOSPersistentVolumeSource: '1 volumeName string; 2 volumeNamespace string; 3 fsType string; 4 readOnly bool; 5 secretRef *ObjectReference',
    StorageOSVolumeSource: '1 volumeName string; 2 volumeNamespace string; 3 fsType string; 4 readOnly bool; 5 secretRef *LocalObjectReference',
    Sysctl: '1 name string!; 2 value string!',
    Taint: '1 key string!; 2 value string; 3 effect string!; 4 timeAdded *Time',
    TCPSocketAction: '1 port IntOrString; 2 host string',
    Toleration: '1 key string; 2 operator string; 3 value string; 4 effect string; 5 tolerationSeconds *int64',
    TopologySelectorLabelRequirement: '1 key string!; 2 values string[]',
    TopologySelectorTerm: '1 matchLabelExpressions TopologySelectorLabelRequirement[]',
    TopologySpreadConstraint:
      '1 maxSkew int32!; 2 topologyKey string!; 3 whenUnsatisfiable string!; 4 labelSelector *meta.LabelSelector; ' +
      '5 minDomains *int32; 6 nodeAffinityPolicy *string; 7 nodeTaintsPolicy *string; 8 matchLabelKeys string[]',
    TypedLocalObjectReference: '1 apiGroup *string; 2 kind string!; 3 name string!',
    TypedObjectReference: '1 apiGroup *string; 2 kind string!; 3 name string!; 4 namespace *string',
    Volume: '1 name string!; 2 ... VolumeSource',
    VolumeDevice: '1 name string!; 2 devicePath string!',
    VolumeMount:
      '1 name string!; 2 readOnly bool; 7 recursiveReadOnly *string; 3 mountPath string!; 4 subPath string; ' +
      '5 mountPropagation *string; 6 subPathExpr string',
    VolumeMountStatus: '1 name string!; 2 mountPath string!; 3 readOnly bool; 4 recursiveReadOnly *string',
    VolumeNodeAffinity: '1 required *NodeSelector',
    VolumeProjection:
      '1 secret *SecretProjection; 2 downwardAPI *DownwardAPIProjection; 3 configMap *ConfigMapProjection; ' +
      '4 serviceAccountToken *ServiceAccountTokenProjection; 5 clusterTrustBundle *ClusterTrustBundleProjection',
    VolumeResourceRequirements: '1 limits {Quantity}; 2 requests {Quantity}',
    VolumeSource:
      '1 hostPath *HostPathVolumeSource; 2 emptyDir *EmptyDirVolumeSource; 3 gcePersistentDisk *GCEPersistentDiskVolumeSource; ' +
      '4 awsElasticBlockStore *AWSElasticBlockStoreVolumeSource; 5 gitRepo *GitRepoVolumeSource; 6 secret *SecretVolumeSource; ' +
      '7 nfs *NFSVolumeSource; 8 iscsi *ISCSIVolumeSource; 9 glusterfs *GlusterfsVolumeSource; ' +
      '10 persistentVolumeClaim *PersistentVolumeClaimVolumeSource; 11 rbd *RBDVolumeSource; 12 flexVolume *FlexVolumeSource; ' +
      '13 cinder *CinderVolumeSource; 14 cephfs *CephFSVolumeSource; 15 flocker *FlockerVolumeSource; ' +
      '16 downwardAPI *DownwardAPIVolumeSource; 17 fc *FCVolumeSource; 18 azureFile *AzureFileVolumeSource; ' +
      '19 configMap *ConfigMapVolumeSource; 20 vsphereVolume *VsphereVirtualDiskVolumeSource; 21 quobyte *QuobyteVolumeSource; ' +
      '22 azureDisk *AzureDiskVolumeSource; 23 photonPersistentDisk *PhotonPersistentDiskVolumeSource; ' +
      '26 projected *ProjectedVolumeSource; 24 portworxVolume *PortworxVolumeSource; 25 scaleIO *ScaleIOVolumeSource; ' +
      '27 storageos *StorageOSVolumeSource; 28 csi *CSIVolumeSource; 29 ephemeral *EphemeralVolumeSource; ' +
      '30 image *ImageVolumeSource',
    VsphereVirtualDiskVolumeSource: '1 volumePath string!; 2 fsType string; 3 storagePolicyName string; 4 storagePolicyID string',
    WeightedPodAffinityTerm: '1 weight int32!; 2 podAffinityTerm PodAffinityTerm',
    WindowsSecurityContextOptions: '1 gmsaCredentialSpecName *string; 2 gmsaCredentialSpec *string; 3 runAsUserName *string; 4 hostProcess *bool',
  },
  apps: {
    ControllerRevision: '1 metadata meta.ObjectMeta; 2 data RawExtension; 3 revision int64!',
    DaemonSet: '1 metadata meta.ObjectMeta; 2 spec DaemonSetSpec; 3 status DaemonSetStatus',
    DaemonSetCondition: '1 type string!; 2 status string!; 3 lastTransitionTime Time; 4 reason string; 5 message string',
    DaemonSetSpec:
      '1 selector *meta.LabelSelector; 2 template core.PodTemplateSpec; 3 updateStrategy DaemonSetUpdateStrategy; ' +
      '4 minReadySeconds int32; 6 revisionHistoryLimit *int32',
    DaemonSetStatus:
      '1 currentNumberScheduled int32!; 2 numberMisscheduled int32!; 3 desiredNumberScheduled int32!; 4 numberReady int32!; ' +
      '5 observedGeneration int64; 6 updatedNumberScheduled int32; 7 numberAvailable int32; 8 numberUnavailable int32; ' +
      '9 collisionCount *int32; 10 conditions DaemonSetCondition[]',
    DaemonSetUpdateStrategy: '1 type string; 2 rollingUpdate *RollingUpdateDaemonSet',
    Deployment: '1 metadata meta.ObjectMeta; 2 spec DeploymentSpec; 3 status DeploymentStatus',
    DeploymentCondition: '1 type string!; 2 status string!; 6 lastUpdateTime Time; 7 lastTransitionTime Time; 4 reason string; 5 message string',
    DeploymentSpec:
      '1 replicas *int32; 2 selector *meta.LabelSelector; 3 template core.PodTemplateSpec; 4 strategy DeploymentStrategy; ' +
      '5 minReadySeconds int32; 6 revisionHistoryLimit *int32; 7 paused bool; 9 progressDeadlineSeconds *int32',
    DeploymentStatus:
      '1 observedGeneration int64; 2 replicas int32; 3 updatedReplicas int32; 7 readyReplicas int32; 4 availableReplicas int32; ' +
      '5 unavailableReplicas int32; 6 conditions DeploymentCondition[]; 8 collisionCount *int32',
    DeploymentStrategy: '1 type string; 2 rollingUpdate *RollingUpdateDeployment',
    ReplicaSet: '1 metadata meta.ObjectMeta; 2 spec ReplicaSetSpec; 3 status ReplicaSetStatus',
    ReplicaSetCondition: '1 type string!; 2 status string!; 3 lastTransitionTime Time; 4 reason string; 5 message string',
    ReplicaSetSpec: '1 replicas *int32; 4 minReadySeconds int32; 2 selector *meta.LabelSelector; 3 template core.PodTemplateSpec',
    ReplicaSetStatus:
      '1 replicas int32!; 2 fullyLabeledReplicas int32; 4 readyReplicas int32; 5 availableReplicas int32; ' +
      '3 observedGeneration int64; 6 conditions ReplicaSetCondition[]',
    RollingUpdateDaemonSet: '1 maxUnavailable *IntOrString; 2 maxSurge *IntOrString',
    RollingUpdateDeployment: '1 maxUnavailable *IntOrString; 2 maxSurge *IntOrString',
    RollingUpdateStatefulSetStrategy: '1 partition *int32; 2 maxUnavailable *IntOrString',
    StatefulSet: '1 metadata meta.ObjectMeta; 2 spec StatefulSetSpec; 3 status StatefulSetStatus',
    StatefulSetCondition: '1 type string!; 2 status string!; 3 lastTransitionTime Time; 4 reason string; 5 message string',
    StatefulSetOrdinals: '1 start int32!',
    StatefulSetPersistentVolumeClaimRetentionPolicy: '1 whenDeleted string; 2 whenScaled string',
    StatefulSetSpec:
      '1 replicas *int32; 2 selector *meta.LabelSelector; 3 template core.PodTemplateSpec; ' +
      '4 volumeClaimTemplates core.PersistentVolumeClaim[]; 5 serviceName string!; 6 podManagementPolicy string; ' +
      '7 updateStrategy StatefulSetUpdateStrategy; 8 revisionHistoryLimit *int32; 9 minReadySeconds int32; ' +
      '10 persistentVolumeClaimRetentionPolicy *StatefulSetPersistentVolumeClaimRetentionPolicy; ' +
      '11 ordinals *StatefulSetOrdinals',
    StatefulSetStatus:
      '1 observedGeneration int64; 2 replicas int32!; 3 readyReplicas int32; 4 currentReplicas int32; 5 updatedReplicas int32; ' +
      '6 currentRevision string; 7 updateRevision string; 9 collisionCount *int32; 10 conditions StatefulSetCondition[]; ' +
      '11 availableReplicas int32!',
    StatefulSetUpdateStrategy: '1 type string; 2 rollingUpdate *RollingUpdateStatefulSetStrategy',
  },
  batch: {
    CronJob: '1 metadata meta.ObjectMeta; 2 spec CronJobSpec; 3 status CronJobStatus',
    CronJobSpec:
      '1 schedule string!; 8 timeZone *string; 2 startingDeadlineSeconds *int64; 3 concurrencyPolicy string; 4 suspend *bool; ' +
      '5 jobTemplate JobTemplateSpec; 6 successfulJobsHistoryLimit *int32; 7 failedJobsHistoryLimit *int32',
    CronJobStatus: '1 active core.ObjectReference[]; 4 lastScheduleTime *Time; 5 lastSuccessfulTime *Time',
    Job: '1 metadata meta.ObjectMeta; 2 spec JobSpec; 3 status JobStatus',
    JobCondition: '1 type string!; 2 status string!; 3 lastProbeTime Time; 4 lastTransitionTime Time; 5 reason string; 6 message string',
    JobSpec:
      '1 parallelism *int32; 2 completions *int32; 3 activeDeadlineSeconds *int64; 11 podFailurePolicy *PodFailurePolicy; ' +
      '16 successPolicy *SuccessPolicy; 7 backoffLimit *int32; 12 backoffLimitPerIndex *int32; 13 maxFailedIndexes *int32; ' +
      '4 selector *meta.LabelSelector; 5 manualSelector *bool; 6 template core.PodTemplateSpec; ' +
      '8 ttlSecondsAfterFinished *int32; 9 completionMode *string; 10 suspend *bool; 14 podReplacementPolicy *string; ' +
      '15 managedBy *string',
    JobStatus:
      '1 conditions JobCondition[]; 2 startTime *Time; 3 completionTime *Time; 4 active int32; 5 succeeded int32; ' +
      '6 failed int32; 11 terminating *int32; 7 completedIndexes string; 10 failedIndexes *string; ' +
      '8 uncountedTerminatedPods *UncountedTerminatedPods; 9 ready *int32',
    JobTemplateSpec: '1 metadata meta.ObjectMeta; 2 spec JobSpec',
    PodFailurePolicy: '1 rules PodFailurePolicyRule[]',
    PodFailurePolicyOnExitCodesRequirement: '1 containerName *string; 2 operator string!; 3 values int32[]',
    PodFailurePolicyOnPodConditionsPattern: '1 type string!; 2 status string!',
    PodFailurePolicyRule:
      '1 action string!; 2 onExitCodes *PodFailurePolicyOnExitCodesRequirement; ' +
      '3 onPodConditions PodFailurePolicyOnPodConditionsPattern[]',
    SuccessPolicy: '1 rules SuccessPolicyRule[]',
    SuccessPolicyRule: '1 succeededIndexes *string; 2 succeededCount *int32',
    UncountedTerminatedPods: '1 succeeded string[]; 2 failed string[]',
  },
  policy: {
    Eviction: '1 metadata meta.ObjectMeta; 2 deleteOptions *meta.DeleteOptions',
    PodDisruptionBudget: '1 metadata meta.ObjectMeta; 2 spec PodDisruptionBudgetSpec; 3 status PodDisruptionBudgetStatus',
    PodDisruptionBudgetSpec:
      '1 minAvailable *IntOrString; 2 selector *meta.LabelSelector; 3 maxUnavailable *IntOrString; ' +
      '4 unhealthyPodEvictionPolicy *string',
    PodDisruptionBudgetStatus:
      '1 observedGeneration int64; 2 disruptedPods {Time}; 3 disruptionsAllowed int32!; 4 currentHealthy int32!; ' +
      '5 desiredHealthy int32!; 6 expectedPods int32!; 7 conditions meta.Condition[]',
  },
  rbac: {
    AggregationRule: '1 clusterRoleSelectors meta.LabelSelector[]',
    ClusterRole: '1 metadata meta.ObjectMeta; 2 rules PolicyRule[]; 3 aggregationRule *AggregationRule',
    ClusterRoleBinding: '1 metadata meta.ObjectMeta; 2 subjects Subject[]; 3 roleRef RoleRef',
    PolicyRule: '1 verbs string[]; 2 apiGroups string[]; 3 resources string[]; 4 resourceNames string[]; 5 nonResourceURLs string[]',
    Role: '1 metadata meta.ObjectMeta; 2 rules PolicyRule[]',
    RoleBinding: '1 metadata meta.ObjectMeta; 2 subjects Subject[]; 3 roleRef RoleRef',
    RoleRef: '1 apiGroup string!; 2 kind string!; 3 name string!',
    Subject: '1 kind string!; 2 apiGroup string; 3 name string!; 4 namespace string',
  },
  authn: {
    BoundObjectReference: '1 kind string; 2 apiVersion string; 3 name string; 4 uid string',
    ExtraValue: '[] string',
    SelfSubjectReview: '1 metadata meta.ObjectMeta; 2 status SelfSubjectReviewStatus',
    SelfSubjectReviewStatus: '1 userInfo UserInfo',
    TokenRequest: '1 metadata meta.ObjectMeta; 2 spec TokenRequestSpec; 3 status TokenRequestStatus',
    TokenRequestSpec: '1 audiences string[]; 4 expirationSeconds *int64; 3 boundObjectRef *BoundObjectReference',
    TokenRequestStatus: '1 token string!; 2 expirationTimestamp Time',
    TokenReview: '1 metadata meta.ObjectMeta; 2 spec TokenReviewSpec; 3 status TokenReviewStatus',
    TokenReviewSpec: '1 token string; 2 audiences string[]',
    TokenReviewStatus: '1 authenticated bool; 2 user UserInfo; 4 audiences string[]; 3 error string',
    UserInfo: '1 username string; 2 uid string; 3 groups string[]; 4 extra {ExtraValue}',
  },
  authz: {
    ExtraValue: '[] string',
    FieldSelectorAttributes: '1 rawSelector string; 2 requirements meta.FieldSelectorRequirement[]',
    LabelSelectorAttributes: '1 rawSelector string; 2 requirements meta.LabelSelectorRequirement[]',
    LocalSubjectAccessReview: '1 metadata meta.ObjectMeta; 2 spec SubjectAccessReviewSpec; 3 status SubjectAccessReviewStatus',
    NonResourceAttributes: '1 path string; 2 verb string',
    NonResourceRule: '1 verbs string[]; 2 nonResourceURLs string[]',
    ResourceAttributes:
      '1 namespace string; 2 verb string; 3 group string; 4 version string; 5 resource string; 6 subresource string; ' +
      '7 name string; 8 fieldSelector *FieldSelectorAttributes; 9 labelSelector *LabelSelectorAttributes',
    ResourceRule: '1 verbs string[]; 2 apiGroups string[]; 3 resources string[]; 4 resourceNames string[]',
    SelfSubjectAccessReview: '1 metadata meta.ObjectMeta; 2 spec SelfSubjectAccessReviewSpec; 3 status SubjectAccessReviewStatus',
    SelfSubjectAccessReviewSpec: '1 resourceAttributes *ResourceAttributes; 2 nonResourceAttributes *NonResourceAttributes',
    SelfSubjectRulesReview: '1 metadata meta.ObjectMeta; 2 spec SelfSubjectRulesReviewSpec; 3 status SubjectRulesReviewStatus',
    SelfSubjectRulesReviewSpec: '1 namespace string',
    SubjectAccessReview: '1 metadata meta.ObjectMeta; 2 spec SubjectAccessReviewSpec; 3 status SubjectAccessReviewStatus',
    SubjectAccessReviewSpec:
      '1 resourceAttributes *ResourceAttributes; 2 nonResourceAttributes *NonResourceAttributes; 3 user string; ' +
      '4 groups string[]; 5 extra {ExtraValue}; 6 uid string',
    SubjectAccessReviewStatus: '1 allowed bool!; 4 denied bool; 2 reason string; 3 evaluationError string',
    SubjectRulesReviewStatus: '1 resourceRules ResourceRule[]; 2 nonResourceRules NonResourceRule[]; 3 incomplete bool!; 4 evaluationError string',
  },
  autoscaling1: {
    ContainerResourceMetricSource: '1 name string!; 2 targetAverageUtilization *int32; 3 targetAverageValue *Quantity; 5 container string!',
    ContainerResourceMetricStatus: '1 name string!; 2 currentAverageUtilization *int32; 3 currentAverageValue Quantity; 4 container string!',
    CrossVersionObjectReference: '1 kind string!; 2 name string!; 3 apiVersion string',
    ExternalMetricSource: '1 metricName string!; 2 metricSelector *meta.LabelSelector; 3 targetValue *Quantity; 4 targetAverageValue *Quantity',
    ExternalMetricStatus: '1 metricName string!; 2 metricSelector *meta.LabelSelector; 3 currentValue Quantity; 4 currentAverageValue *Quantity',
    HorizontalPodAutoscaler: '1 metadata meta.ObjectMeta; 2 spec HorizontalPodAutoscalerSpec; 3 status HorizontalPodAutoscalerStatus',
    HorizontalPodAutoscalerCondition: '1 type string!; 2 status string!; 3 lastTransitionTime Time; 4 reason string; 5 message string',
    HorizontalPodAutoscalerSpec:
      '1 scaleTargetRef CrossVersionObjectReference; 2 minReplicas *int32; 3 maxReplicas int32!; ' +
      '4 targetCPUUtilizationPercentage *int32',
    HorizontalPodAutoscalerStatus:
      '1 observedGeneration *int64; 2 lastScaleTime *Time; 3 currentReplicas int32!; 4 desiredReplicas int32!; ' +
      '5 currentCPUUtilizationPercentage *int32',
    MetricSpec:
      '1 type string!; 2 object *ObjectMetricSource; 3 pods *PodsMetricSource; 4 resource *ResourceMetricSource; ' +
      '7 containerResource *ContainerResourceMetricSource; 5 external *ExternalMetricSource',
    MetricStatus:
      '1 type string!; 2 object *ObjectMetricStatus; 3 pods *PodsMetricStatus; 4 resource *ResourceMetricStatus; ' +
      '7 containerResource *ContainerResourceMetricStatus; 5 external *ExternalMetricStatus',
    ObjectMetricSource:
      '1 target CrossVersionObjectReference; 2 metricName string!; 3 targetValue Quantity; 4 selector *meta.LabelSelector; ' +
      '5 averageValue *Quantity',
    ObjectMetricStatus:
      '1 target CrossVersionObjectReference; 2 metricName string!; 3 currentValue Quantity; 4 selector *meta.LabelSelector; ' +
      '5 averageValue *Quantity',
    PodsMetricSource: '1 metricName string!; 2 targetAverageValue Quantity; 3 selector *meta.LabelSelector',
    PodsMetricStatus: '1 metricName string!; 2 currentAverageValue Quantity; 3 selector *meta.LabelSelector',
    ResourceMetricSource: '1 name string!; 2 targetAverageUtilization *int32; 3 targetAverageValue *Quantity',
    ResourceMetricStatus: '1 name string!; 2 currentAverageUtilization *int32; 3 currentAverageValue Quantity',
    Scale: '1 metadata meta.ObjectMeta; 2 spec ScaleSpec; 3 status ScaleStatus',
    ScaleSpec: '1 replicas int32',
    ScaleStatus: '1 replicas int32!; 2 selector string',
  },
  autoscaling2: {
    ContainerResourceMetricSource: '1 name string!; 2 target MetricTarget; 3 container string!',
    ContainerResourceMetricStatus: '1 name string!; 2 current MetricValueStatus; 3 container string!',
    CrossVersionObjectReference: '1 kind string!; 2 name string!; 3 apiVersion string',
    ExternalMetricSource: '1 metric MetricIdentifier; 2 target MetricTarget',
    ExternalMetricStatus: '1 metric MetricIdentifier; 2 current MetricValueStatus',
    HorizontalPodAutoscaler: '1 metadata meta.ObjectMeta; 2 spec HorizontalPodAutoscalerSpec; 3 status HorizontalPodAutoscalerStatus',
    HorizontalPodAutoscalerBehavior: '1 scaleUp *HPAScalingRules; 2 scaleDown *HPAScalingRules',
    HorizontalPodAutoscalerCondition: '1 type string!; 2 status string!; 3 lastTransitionTime Time; 4 reason string; 5 message string',
    HorizontalPodAutoscalerSpec:
      '1 scaleTargetRef CrossVersionObjectReference; 2 minReplicas *int32; 3 maxReplicas int32!; 4 metrics MetricSpec[]; ' +
      '5 behavior *HorizontalPodAutoscalerBehavior',
    HorizontalPodAutoscalerStatus:
      '1 observedGeneration *int64; 2 lastScaleTime *Time; 3 currentReplicas int32; 4 desiredReplicas int32!; ' +
      '5 currentMetrics MetricStatus[]; 6 conditions HorizontalPodAutoscalerCondition[]',
    HPAScalingPolicy: '1 type string!; 2 value int32!; 3 periodSeconds int32!',
    HPAScalingRules: '3 stabilizationWindowSeconds *int32; 1 selectPolicy *string; 2 policies HPAScalingPolicy[]',
    MetricIdentifier: '1 name string!; 2 selector *meta.LabelSelector',
    MetricSpec:
      '1 type string!; 2 object *ObjectMetricSource; 3 pods *PodsMetricSource; 4 resource *ResourceMetricSource; ' +
      '7 containerResource *ContainerResourceMetricSource; 5 external *ExternalMetricSource',
    MetricStatus:
      '1 type string!; 2 object *ObjectMetricStatus; 3 pods *PodsMetricStatus; 4 resource *ResourceMetricStatus; ' +
      '7 containerResource *ContainerResourceMetricStatus; 5 external *ExternalMetricStatus',
    MetricTarget: '1 type string!; 2 value *Quantity; 3 averageValue *Quantity; 4 averageUtilization *int32',
    MetricValueStatus: '1 value *Quantity; 2 averageValue *Quantity; 3 averageUtilization *int32',
    ObjectMetricSource: '1 describedObject CrossVersionObjectReference; 2 target MetricTarget; 3 metric MetricIdentifier',
    ObjectMetricStatus: '1 metric MetricIdentifier; 2 current MetricValueStatus; 3 describedObject CrossVersionObjectReference',
    PodsMetricSource: '1 metric MetricIdentifier; 2 target MetricTarget',
    PodsMetricStatus: '1 metric MetricIdentifier; 2 current MetricValueStatus',
    ResourceMetricSource: '1 name string!; 2 target MetricTarget',
    ResourceMetricStatus: '1 name string!; 2 current MetricValueStatus',
  },
  networking: {
    HTTPIngressPath: '1 path string; 3 pathType *string; 2 backend IngressBackend',
    HTTPIngressRuleValue: '1 paths HTTPIngressPath[]',
    Ingress: '1 metadata meta.ObjectMeta; 2 spec IngressSpec; 3 status IngressStatus',
    IngressBackend: '4 service *IngressServiceBackend; 3 resource *core.TypedLocalObjectReference',
    IngressClass: '1 metadata meta.ObjectMeta; 2 spec IngressClassSpec',
    IngressClassParametersReference: '1 apiGroup *string; 2 kind string!; 3 name string!; 4 scope *string; 5 namespace *string',
    IngressClassSpec: '1 controller string; 2 parameters *IngressClassParametersReference',
    IngressLoadBalancerIngress: '1 ip string; 2 hostname string; 4 ports IngressPortStatus[]',
    IngressLoadBalancerStatus: '1 ingress IngressLoadBalancerIngress[]',
    IngressPortStatus: '1 port int32!; 2 protocol string!; 3 error *string',
    IngressRule: '1 host string; 2 ... IngressRuleValue',
    IngressRuleValue: '1 http *HTTPIngressRuleValue',
    IngressServiceBackend: '1 name string!; 2 port ServiceBackendPort',
    IngressSpec: '4 ingressClassName *string; 1 defaultBackend *IngressBackend; 2 tls IngressTLS[]; 3 rules IngressRule[]',
    IngressStatus: '1 loadBalancer IngressLoadBalancerStatus',
    IngressTLS: '1 hosts string[]; 2 secretName string',
    IPBlock: '1 cidr string!; 2 except string[]',
    NetworkPolicy: '1 metadata meta.ObjectMeta; 2 spec NetworkPolicySpec',
    NetworkPolicyEgressRule: '1 ports NetworkPolicyPort[]; 2 to NetworkPolicyPeer[]',
    NetworkPolicyIngressRule: '1 ports NetworkPolicyPort[]; 2 from NetworkPolicyPeer[]',
    NetworkPolicyPeer: '1 podSelector *meta.LabelSelector; 2 namespaceSelector *meta.LabelSelector; 3 ipBlock *IPBlock',
    NetworkPolicyPort: '1 protocol *string; 2 port *IntOrString; 3 endPort *int32',
    NetworkPolicySpec:
      '1 podSelector meta.LabelSelector; 2 ingress NetworkPolicyIngressRule[]; 3 egress NetworkPolicyEgressRule[]; ' +
      '4 policyTypes string[]',
    ServiceBackendPort: '1 name string; 2 number int32',
  },
  scheduling: {
    PriorityClass: '1 metadata meta.ObjectMeta; 2 value int32!; 3 globalDefault bool; 4 description string; 5 preemptionPolicy *string',
  },
  coordination: {
    Lease: '1 metadata meta.ObjectMeta; 2 spec LeaseSpec',
    LeaseSpec:
      '1 holderIdentity *string; 2 leaseDurationSeconds *int32; 3 acquireTime *MicroTime; 4 renewTime *MicroTime; ' +
      '5 leaseTransitions *int32; 6 strategy *string; 7 preferredHolder *string',
  },
};
