// Valid objects of every served kind, with most of the fields the server reads: what the HTTP
// fuzz mutates, what the kind matrix drives through kubectl and what the malformed-manifest corpus
// breaks. A new kind adds its case here (the default, bare metadata, is valid only for kinds
// without required fields) and, with a status subresource, its status in statusSample.
import type { ResourceInfo } from '../resources.ts';

type Obj = Record<string, unknown>;

/** What a sample needs to know of its kind. */
export type SampleKind = Pick<ResourceInfo, 'group' | 'version' | 'kind' | 'resource'>;

function groupVersion(r: Pick<SampleKind, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** The custom resource the tests define (with its CustomResourceDefinition, widgetCrd()). */
export const WIDGET = { group: 'samples.nodelet.dev', version: 'v1', kind: 'Widget', resource: 'widgets', namespaced: true } as const;

const T0 = '2024-01-01T00:00:00Z';
const MT0 = '2024-01-01T00:00:00.000000Z';

function podSpec(): Obj {
  return {
    containers: [{
      name: 'c', image: 'busybox:1', command: ['sh', '-c'], args: ['sleep 1'], workingDir: '/',
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
      env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'P_' }],
      resources: { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '100m' } },
      volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: true }],
      livenessProbe: { httpGet: { path: '/', port: 80, httpHeaders: [{ name: 'X-A', value: 'b' }] }, periodSeconds: 5 },
      readinessProbe: { tcpSocket: { port: 'http' } },
      startupProbe: { exec: { command: ['true'] }, failureThreshold: 3 },
      lifecycle: { preStop: { sleep: { seconds: 1 } }, postStart: { exec: { command: ['true'] } } },
      securityContext: { runAsUser: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File', stdin: false, tty: false,
    }],
    initContainers: [{ name: 'init', image: 'busybox:1', command: ['true'] }],
    volumes: [
      { name: 'v', emptyDir: { sizeLimit: '1Mi' } },
      { name: 's', secret: { secretName: 's', defaultMode: 420, items: [{ key: 'k', path: 'p', mode: 256 }] } },
      { name: 'c', configMap: { name: 'cm', optional: true } },
      { name: 'h', hostPath: { path: '/tmp', type: 'Directory' } },
    ],
    restartPolicy: 'Always', terminationGracePeriodSeconds: 5, activeDeadlineSeconds: 600, dnsPolicy: 'ClusterFirst',
    nodeSelector: { disk: 'ssd' }, serviceAccountName: 'default', hostname: 'h', subdomain: 's',
    securityContext: { runAsUser: 1000, supplementalGroups: [1], fsGroup: 2000, sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
    imagePullSecrets: [{ name: 'pull' }],
    tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 60 }],
    readinessGates: [{ conditionType: 'example.com/ready' }],
    hostAliases: [{ ip: '1.2.3.4', hostnames: ['a'] }],
    enableServiceLinks: false, os: { name: 'linux' }, priority: 0,
  };
}

function podStatus(): Obj {
  return {
    phase: 'Running', podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }], hostIP: '10.0.0.2', startTime: T0, qosClass: 'Burstable',
    conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: T0 }],
    containerStatuses: [{
      name: 'c', ready: true, started: true, restartCount: 1, image: 'busybox:1', imageID: 'x', containerID: 'docker://x',
      state: { running: { startedAt: T0 } }, lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: T0, finishedAt: T0 } },
    }],
  };
}

/** A valid object of r's kind, with most of the fields the server reads. */
export function sample(r: SampleKind, ns: string, name: string): Obj {
  const head = { apiVersion: groupVersion(r), kind: r.kind };
  const metadata: Obj = {
    name, labels: { app: 'fuzz', tier: 'a' }, annotations: { note: 'x' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-1', controller: true, blockOwnerDeletion: false }],
  };
  switch (`${r.group}/${r.resource}`) {
    case '/pods': return { ...head, metadata, spec: podSpec(), status: podStatus() };
    case '/nodes': return {
      ...head, metadata: { name, labels: { 'node-role.kubernetes.io/worker': '' } },
      spec: { podCIDR: '10.1.0.0/24', podCIDRs: ['10.1.0.0/24'], taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], unschedulable: false },
      status: {
        capacity: { cpu: '2', memory: '1Gi', pods: '110' }, allocatable: { cpu: '2', memory: '1Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: T0, lastTransitionTime: T0, reason: 'KubeletReady', message: 'ok' }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: name }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'x', kernelVersion: 'y', containerRuntimeVersion: 'docker://1', operatingSystem: 'linux', architecture: 'amd64' },
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      },
    };
    case '/namespaces': return { ...head, metadata: { name, labels: { a: 'b' } }, spec: { finalizers: ['kubernetes'] } };
    case '/events': return {
      ...head, metadata: { name, namespace: ns },
      involvedObject: { kind: 'Pod', name: 'p', namespace: ns, uid: 'u', apiVersion: 'v1', fieldPath: 'spec.containers{c}' },
      reason: 'Started', message: 'm', source: { component: 'kubelet', host: 'n' }, firstTimestamp: T0, lastTimestamp: T0, count: 2,
      type: 'Normal', reportingComponent: 'kubelet', reportingInstance: 'n',
    };
    case 'events.k8s.io/events': return {
      ...head, metadata: { name }, eventTime: MT0, reportingController: 'ctl', reportingInstance: 'i', action: 'Act', reason: 'R',
      regarding: { kind: 'Pod', name: 'p', namespace: ns }, note: 'n', type: 'Normal', series: { count: 2, lastObservedTime: MT0 },
    };
    case '/configmaps': return { ...head, metadata, data: { a: '1', 'b.txt': 'x' }, binaryData: { bin: 'AAEC' }, immutable: false };
    case '/secrets': return { ...head, metadata, type: 'Opaque', data: { u: 'dXNlcg==' }, stringData: { p: 'pw' }, immutable: false };
    case '/serviceaccounts': return { ...head, metadata, secrets: [{ name: 's' }], imagePullSecrets: [{ name: 'p' }], automountServiceAccountToken: true };
    case 'coordination.k8s.io/leases': return {
      ...head, metadata, spec: { holderIdentity: 'h', leaseDurationSeconds: 40, acquireTime: MT0, renewTime: MT0, leaseTransitions: 1 },
    };
    case 'apps/deployments': return {
      ...head, metadata,
      spec: {
        replicas: 2, selector: appsSelector(), template: appsTemplate(), minReadySeconds: 1, revisionHistoryLimit: 3, progressDeadlineSeconds: 60,
        paused: false, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
      },
      status: { replicas: 2, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 2, observedGeneration: 1, conditions: [{ type: 'Available', status: 'True' }] },
    };
    case 'apps/replicasets': return {
      ...head, metadata, spec: { replicas: 2, minReadySeconds: 1, selector: appsSelector(), template: appsTemplate() },
      status: { replicas: 2, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 2, observedGeneration: 1 },
    };
    case 'apps/statefulsets': return {
      ...head, metadata,
      spec: {
        replicas: 2, selector: appsSelector(), template: appsTemplate(), serviceName: 'svc', podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, revisionHistoryLimit: 3, minReadySeconds: 1,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' }, ordinals: { start: 1 },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
      status: { replicas: 2, readyReplicas: 1, availableReplicas: 1, currentReplicas: 2, updatedReplicas: 2, collisionCount: 0 },
    };
    case 'apps/daemonsets': return {
      ...head, metadata,
      spec: {
        selector: appsSelector(), template: appsTemplate(), minReadySeconds: 1, revisionHistoryLimit: 3,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } },
      },
      status: { currentNumberScheduled: 1, numberMisscheduled: 0, desiredNumberScheduled: 1, numberReady: 1, numberAvailable: 1 },
    };
    case 'apps/controllerrevisions': return { ...head, metadata, revision: 2, data: { spec: { template: { metadata: { labels: { app: 'fuzz' } } } } } };
    case 'batch/jobs': return {
      ...head, metadata,
      spec: {
        parallelism: 2, completions: 4, completionMode: 'Indexed', activeDeadlineSeconds: 600, backoffLimit: 3, ttlSecondsAfterFinished: 60,
        suspend: true, manualSelector: true, selector: { matchLabels: { app: 'fuzz' } }, template: jobTemplate(), podReplacementPolicy: 'Failed',
        podFailurePolicy: { rules: [
          { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [1, 2] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ] },
        successPolicy: { rules: [{ succeededIndexes: '0-1', succeededCount: 1 }] },
      },
      status: { active: 1, succeeded: 1, failed: 0, ready: 1, startTime: T0, conditions: [{ type: 'Suspended', status: 'False', lastTransitionTime: T0 }] },
    };
    case 'batch/cronjobs': return {
      ...head, metadata,
      spec: {
        schedule: '*/5 * * * *', timeZone: 'Etc/UTC', startingDeadlineSeconds: 30, concurrencyPolicy: 'Forbid', suspend: false,
        successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1,
        jobTemplate: { metadata: { labels: { app: 'fuzz' } }, spec: { backoffLimit: 2, completions: 1, template: jobTemplate() } },
      },
      status: { lastScheduleTime: T0, active: [{ kind: 'Job', name: 'x', namespace: ns }] },
    };
    case 'policy/poddisruptionbudgets': return {
      ...head, metadata, spec: { minAvailable: '50%', selector: appsSelector(), unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      status: { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, observedGeneration: 1 },
    };
    case '/services': {
      // the ClusterIP and node ports it asks for depend on the name: samples of several names
      // can be stored side by side, as the server allocates each value once
      const { clusterIP, nodePort, healthCheckNodePort } = serviceValues(`${ns}/${name}`);
      return {
        ...head, metadata,
        spec: {
          type: 'LoadBalancer', clusterIP, clusterIPs: [clusterIP], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
          ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', nodePort, appProtocol: 'http' }, { name: 'dns', port: 53, protocol: 'UDP' }],
          selector: { app: 'fuzz' }, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, externalIPs: ['192.0.2.10'],
          externalTrafficPolicy: 'Local', healthCheckNodePort, internalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true,
          loadBalancerClass: 'example.com/lb', loadBalancerSourceRanges: ['10.0.0.0/8'], trafficDistribution: 'PreferClose',
        },
        status: { loadBalancer: { ingress: [{ ip: '192.0.2.1', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP' }] }] } },
      };
    }
    case '/endpoints': return {
      ...head, metadata,
      subsets: [{
        addresses: [{ ip: '10.1.0.1', hostname: 'a', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'p', namespace: ns } }],
        notReadyAddresses: [{ ip: '10.1.0.2' }], ports: [{ name: 'http', port: 80, protocol: 'TCP', appProtocol: 'http' }, { name: 'dns', port: 53, protocol: 'UDP' }],
      }],
    };
    case '/persistentvolumes': return {
      ...head, metadata: { name, labels: { app: 'fuzz' } },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'manual', volumeMode: 'Filesystem',
        hostPath: { path: '/tmp/pv', type: 'DirectoryOrCreate' }, claimRef: { namespace: ns, name: 'c' }, mountOptions: ['ro'],
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } },
      },
      status: { phase: 'Available', reason: '', message: '', lastPhaseTransitionTime: T0 },
    };
    case '/persistentvolumeclaims': return {
      ...head, metadata,
      spec: {
        accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' }, limits: { storage: '2Gi' } }, storageClassName: 'manual', volumeMode: 'Filesystem',
        selector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'x', operator: 'In', values: ['y'] }] },
        dataSource: { kind: 'PersistentVolumeClaim', name: 'src' }, dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'src' },
      },
      status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], allocatedResources: { storage: '1Gi' } },
    };
    case '/resourcequotas': return {
      ...head, metadata,
      spec: { hard: { pods: '10', 'requests.cpu': '1', 'limits.memory': '1Gi' }, scopes: ['NotTerminating'] },
      status: { hard: { pods: '10' }, used: { pods: '1' } },
    };
    case '/limitranges': return {
      ...head, metadata,
      spec: { limits: [
        { type: 'Container', max: { cpu: '2' }, min: { cpu: '100m' }, default: { cpu: '1' }, defaultRequest: { cpu: '500m' }, maxLimitRequestRatio: { cpu: '4' } },
        { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } },
      ] },
    };
    case 'discovery.k8s.io/endpointslices': return {
      ...head, metadata, addressType: 'IPv4',
      endpoints: [{
        addresses: ['10.1.0.1'], conditions: { ready: true, serving: true, terminating: false }, hostname: 'a', nodeName: 'n1', zone: 'z',
        targetRef: { kind: 'Pod', name: 'p', namespace: ns }, hints: { forZones: [{ name: 'z' }] },
      }],
      ports: [{ name: 'http', port: 80, protocol: 'TCP', appProtocol: 'http' }],
    };
    case 'storage.k8s.io/storageclasses': return {
      ...head, metadata: { name, labels: { app: 'fuzz' }, annotations: { 'storageclass.kubernetes.io/is-default-class': 'false' } },
      provisioner: 'example.com/fuzz', parameters: { type: 'fast' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true, mountOptions: ['ro'], allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['z1'] }] }],
    };
    case 'rbac.authorization.k8s.io/roles': return {
      ...head, metadata, rules: [{ verbs: ['get', 'list'], apiGroups: ['', 'apps'], resources: ['pods', 'deployments'], resourceNames: [] }],
    };
    case 'rbac.authorization.k8s.io/clusterroles': return {
      ...head, metadata: { name, labels: { app: 'fuzz' } },
      rules: [{ verbs: ['get'], apiGroups: [''], resources: ['nodes'], resourceNames: ['n1'] }, { verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] }],
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/agg': 'true' }, matchExpressions: [{ key: 'x', operator: 'Exists' }] }] },
    };
    case 'rbac.authorization.k8s.io/rolebindings': return {
      ...head, metadata, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'fz-0' },
      subjects: [{ kind: 'User', name: 'alice' }, { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount', name: 'default', namespace: ns }],
    };
    case 'rbac.authorization.k8s.io/clusterrolebindings': return {
      ...head, metadata: { name, labels: { app: 'fuzz' } }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }, { kind: 'Group', name: 'system:authenticated' }],
    };
    // the reviews are answered, never stored: a valid one of each
    case 'authorization.k8s.io/selfsubjectaccessreviews': return {
      ...head, spec: { resourceAttributes: { namespace: ns, verb: 'get', group: 'apps', version: 'v1', resource: 'deployments', subresource: 'scale', name: 'x' } },
    };
    case 'authorization.k8s.io/subjectaccessreviews': return {
      ...head, spec: { user: 'alice', groups: ['devs'], uid: 'u', extra: { k: ['v'] }, nonResourceAttributes: { path: '/healthz', verb: 'get' } },
    };
    case 'authorization.k8s.io/localsubjectaccessreviews': return {
      ...head, metadata: { namespace: ns }, spec: { user: 'alice', resourceAttributes: { namespace: ns, verb: 'list', resource: 'pods' } },
    };
    case 'authorization.k8s.io/selfsubjectrulesreviews': return { ...head, spec: { namespace: ns } };
    case 'authentication.k8s.io/selfsubjectreviews': return { ...head };
    case 'authentication.k8s.io/tokenreviews': return { ...head, spec: { token: 'not-a-token', audiences: ['a'] } };
    // kinds being added (CustomResourceDefinition) and the custom resource the tests define
    case 'apiextensions.k8s.io/customresourcedefinitions': return customResourceDefinition(name);
    case `${WIDGET.group}/${WIDGET.resource}`: return {
      ...head, metadata, spec: { replicas: 1, color: 'red', size: 'small' },
    };
    default: return { ...head, metadata };
  }
}

/**
 * A sample Service's ClusterIP and node ports, from its name: in the ranges' static bands
 * (10.96.0.2-10.96.0.251, 30000-30085), which dynamic allocation leaves alone while it can.
 */
function serviceValues(key: string): { clusterIP: string; nodePort: number; healthCheckNodePort: number } {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  const nodePort = 30000 + 2 * (h % 43);
  return { clusterIP: `10.96.0.${2 + ((h >>> 8) % 250)}`, nodePort, healthCheckNodePort: nodePort + 1 };
}

function appsSelector(): Obj {
  return { matchLabels: { app: 'fuzz' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] };
}

function appsTemplate(): Obj {
  const spec = podSpec();
  delete spec['activeDeadlineSeconds'];
  return { metadata: { labels: { app: 'fuzz', tier: 'a' }, annotations: { note: 'x' } }, spec };
}

/** A Job's pod template: pods that run to completion. */
function jobTemplate(): Obj {
  return { metadata: { labels: { app: 'fuzz', tier: 'a' } }, spec: { ...podSpec(), restartPolicy: 'Never' } };
}

/**
 * A CustomResourceDefinition in the samples group. Its name must be `<plural>.<group>`: the plural
 * is `name` in lower-case letters and digits ("fz-0" gives fz0s.samples.nodelet.dev, kind Fz0;
 * "widgets" gives the Widget definition). Namespaced, one version v1 with a structural schema,
 * the status and scale subresources and printer columns (one of them wide).
 */
export function customResourceDefinition(name: string): Obj {
  const stem = name.toLowerCase().replace(/[^a-z0-9]/g, '').replace(/s$/, '');
  const singular = /^[a-z]/.test(stem) ? stem : `x${stem}`;
  const plural = `${singular}s`;
  const kind = `${singular.charAt(0).toUpperCase()}${singular.slice(1)}`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${WIDGET.group}`, labels: { app: 'fuzz' } },
    spec: {
      group: WIDGET.group, scope: 'Namespaced',
      names: { plural, singular, kind, listKind: `${kind}List`, ...(plural === WIDGET.resource ? { shortNames: ['wd'] } : {}) },
      versions: [{
        name: WIDGET.version, served: true, storage: true,
        schema: { openAPIV3Schema: {
          type: 'object', description: `${kind} is a sample custom resource.`,
          properties: {
            spec: {
              type: 'object', description: 'What the widget should be.', required: ['color'],
              properties: {
                replicas: { type: 'integer', minimum: 0, description: 'How many.' },
                color: { type: 'string', enum: ['red', 'green', 'blue'], description: 'Its colour.' },
                size: { type: 'string', maxLength: 10, description: 'Its size.' },
              },
            },
            status: {
              type: 'object', description: 'What the widget is.',
              properties: { replicas: { type: 'integer' }, phase: { type: 'string' }, selector: { type: 'string' } },
            },
          },
        } },
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
        additionalPrinterColumns: [
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Color', type: 'string', jsonPath: '.spec.color' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          { name: 'Size', type: 'string', jsonPath: '.spec.size', priority: 1 },
        ],
      }],
    },
    status: {
      acceptedNames: { plural, singular, kind, listKind: `${kind}List` },
      conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: T0 }],
      storedVersions: [WIDGET.version],
    },
  };
}

/** The definition of WIDGET (widgets.samples.nodelet.dev). */
export function widgetCrd(): Obj {
  return customResourceDefinition(WIDGET.resource);
}

/**
 * A status that a kind's status subresource accepts (the sample's own where it has one);
 * undefined for a kind that has none here yet.
 */
export function statusSample(r: SampleKind, ns: string, name: string): Obj | undefined {
  switch (`${r.group}/${r.resource}`) {
    case '/namespaces': return {
      phase: 'Active',
      conditions: [{ type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered', lastTransitionTime: T0 }],
    };
    case `${WIDGET.group}/${WIDGET.resource}`: return { replicas: 1, phase: 'Ready', selector: 'app=fuzz' };
    default: {
      const status = sample(r, ns, name)['status'];
      return typeof status === 'object' && status !== null && !Array.isArray(status) ? status as Obj : undefined;
    }
  }
}
