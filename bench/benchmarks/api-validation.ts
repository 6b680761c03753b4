// The cost of schema validation per create, in-process: kube/schemas/decode.ts on a realistic Pod
// and Deployment (what the store runs before defaulting), many times over. "warn" is what a create
// without fieldValidation (Warn) or with Strict pays: the scan of the body's text for repeated
// keys (the same pass also gives the nesting depth, which every JSON body is scanned for anyway)
// and the decode collecting strict errors; "ignore" is the decode alone. The peer of each is
// JSON.parse of the same body, which every create pays anyway. A clean object is not changed by
// the decoder, so the same one is decoded again each time.
import { performance } from 'node:perf_hooks';
import { decoderForKind, type Decoder } from '../../kube/schemas/decode.ts';
import { scanJson } from '../../apiserver/http/duplicate-fields.ts';
import type { Benchmark, Sample } from '../framework/types.ts';

const ITERATIONS = 20_000;

type Obj = Record<string, unknown>;

function podSpec(): Obj {
  return {
    containers: [{
      name: 'app', image: 'registry.example.com/team/app:1.4.2', command: ['/app'], args: ['--port=8080', '--log-level=info'],
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
      env: [{ name: 'MODE', value: 'production' }, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
      envFrom: [{ configMapRef: { name: 'app-config' } }],
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      volumeMounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true }, { name: 'cache', mountPath: '/cache' }],
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
      readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
      securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
      imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File',
    }, {
      name: 'sidecar', image: 'registry.example.com/proxy:2.0', args: ['--upstream=127.0.0.1:8080'],
      ports: [{ containerPort: 15001 }], resources: { requests: { cpu: '50m', memory: '64Mi' } },
    }],
    initContainers: [{ name: 'migrate', image: 'registry.example.com/team/app:1.4.2', command: ['/app', 'migrate'] }],
    volumes: [{ name: 'config', configMap: { name: 'app-config', defaultMode: 420 } }, { name: 'cache', emptyDir: { sizeLimit: '1Gi' } }],
    restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', serviceAccountName: 'app',
    securityContext: { fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } }] } },
  };
}

const labels = { app: 'web', tier: 'frontend', 'app.kubernetes.io/version': '1.4.2' };

export const BENCH_VALIDATION_POD: Obj = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web-0', namespace: 'default', labels, annotations: { 'example.com/owner': 'team-a' } },
  spec: podSpec(),
};

export const BENCH_VALIDATION_DEPLOYMENT: Obj = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels, annotations: { 'example.com/owner': 'team-a' } },
  spec: {
    replicas: 3, revisionHistoryLimit: 5, selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    template: { metadata: { labels }, spec: podSpec() },
  },
};

/** µs per call of fn over ITERATIONS calls. */
function perCall(fn: () => void): number {
  const t0 = performance.now();
  for (let i = 0; i < ITERATIONS; i++) fn();
  return ((performance.now() - t0) * 1000) / ITERATIONS;
}

function measure(decoder: Decoder, obj: Obj): { warn: number; ignore: number; parse: number } {
  const text = JSON.stringify(obj);
  const clean = decoder.decode(structuredClone(obj), { strict: true });
  if (clean.error !== undefined || clean.strict.length > 0) throw new Error(`the bench object does not decode cleanly: ${JSON.stringify(clean)}`);
  return {
    warn: perCall(() => { decoder.decode(obj, { strict: true, duplicates: scanJson(text).duplicates ?? {} }); }),
    ignore: perCall(() => { decoder.decode(obj); }),
    parse: perCall(() => { JSON.parse(text); }),
  };
}

export const apiValidation: Benchmark = {
  id: 'api.validation',
  group: 'api',
  title: 'schema validation per create, in-process (µs): decode.ts on a realistic Pod and Deployment',
  runs: 5,
  metrics: [
    { key: 'pod.warn', label: 'pod: scan + strict decode (Warn, Strict)', unit: 'µs', better: 'lower', peer: 'pod.parse' },
    { key: 'pod.ignore', label: 'pod: decode (Ignore)', unit: 'µs', better: 'lower', peer: 'pod.parse' },
    { key: 'pod.parse', label: 'JSON.parse of the pod', unit: 'µs', better: 'lower', peerOnly: true },
    { key: 'deployment.warn', label: 'deployment: scan + strict decode', unit: 'µs', better: 'lower', peer: 'deployment.parse' },
    { key: 'deployment.ignore', label: 'deployment: decode (Ignore)', unit: 'µs', better: 'lower', peer: 'deployment.parse' },
    { key: 'deployment.parse', label: 'JSON.parse of the deployment', unit: 'µs', better: 'lower', peerOnly: true },
  ],
  open(ctx) {
    const pod = decoderForKind('', 'v1', 'Pod');
    const deployment = decoderForKind('apps', 'v1', 'Deployment');
    if (pod === undefined || deployment === undefined) throw new Error('no schema for Pod or Deployment');
    ctx.note(`${ITERATIONS} decodes per figure; pod body ${JSON.stringify(BENCH_VALIDATION_POD).length} B, deployment body ${JSON.stringify(BENCH_VALIDATION_DEPLOYMENT).length} B; the walkers are compiled before the first sample`);
    return Promise.resolve({
      iterate(): Promise<Sample> {
        const p = measure(pod, BENCH_VALIDATION_POD);
        const d = measure(deployment, BENCH_VALIDATION_DEPLOYMENT);
        return Promise.resolve({
          'pod.warn': p.warn, 'pod.ignore': p.ignore, 'pod.parse': p.parse,
          'deployment.warn': d.warn, 'deployment.ignore': d.ignore, 'deployment.parse': d.parse,
        });
      },
      close: () => Promise.resolve(),
    });
  },
};
