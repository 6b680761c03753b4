// Every JSON type at every field of every apps kind, through defaults, the strategies, validation
// and the table printer: nothing may throw but the decoder's 400s (a seeded type swap, the unit
// counterpart of the HTTP fuzz).
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.ts';
import { toTable } from '../api/tables.ts';
import { mulberry32 } from '../testing/mulberry32.ts';
import { APPS_KINDS } from './apps.ts';
import type { KindDefinition, Obj } from './kind.ts';

type Step = string | number;

const VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 1e300, '', 'x', '25%', '-5%', [], [1, 'a', null], {}, { a: 1 }, [{}], [[]]];

function paths(v: unknown, prefix: Step[] = [], out: Step[][] = []): Step[][] {
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([...prefix, i]); paths(x, [...prefix, i], out); });
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) { out.push([...prefix, k]); paths(x, [...prefix, k], out); }
  return out;
}

function setAt(root: unknown, path: Step[], value: unknown): void {
  let cur = root as Record<Step, unknown>;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<Step, unknown>;
  cur[path[path.length - 1] as Step] = value;
}

function container(): Obj {
  return {
    name: 'c', image: 'busybox:1', ports: [{ name: 'http', containerPort: 80 }], env: [{ name: 'A', value: '1' }],
    resources: { limits: { cpu: '1' }, requests: { memory: '1Mi' } }, volumeMounts: [{ name: 'v', mountPath: '/v' }],
    livenessProbe: { httpGet: { path: '/', port: 80 } }, securityContext: { runAsUser: 1 },
  };
}

function podTemplate(): Obj {
  return {
    metadata: { labels: { app: 'a', tier: 'x' }, annotations: { n: 'x' } },
    spec: {
      containers: [container()], initContainers: [{ name: 'i', image: 'busybox' }], volumes: [{ name: 'v', emptyDir: {} }],
      nodeSelector: { os: 'linux' }, tolerations: [{ key: 'k', operator: 'Exists' }], serviceAccountName: 'sa', securityContext: {},
    },
  };
}

const SELECTOR = (): Obj => ({ matchLabels: { app: 'a' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['x'] }] });

function sample(k: KindDefinition): Obj {
  const metadata: Obj = {
    name: 'w', namespace: 'd', labels: { l: 'v' }, annotations: { a: 'b' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'o', uid: 'u', controller: true }],
  };
  const head = { apiVersion: 'apps/v1', kind: k.kind, metadata };
  switch (k.kind) {
    case 'Deployment': return {
      ...head,
      spec: { replicas: 2, selector: SELECTOR(), template: podTemplate(), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '10%' } }, minReadySeconds: 1, progressDeadlineSeconds: 30, revisionHistoryLimit: 2 },
      status: { replicas: 2, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1, collisionCount: 1, conditions: [{ type: 'Available', status: 'True' }] },
    };
    case 'ReplicaSet': return { ...head, spec: { replicas: 2, selector: SELECTOR(), template: podTemplate(), minReadySeconds: 1 }, status: { replicas: 1, readyReplicas: 1 } };
    case 'StatefulSet': return {
      ...head,
      spec: {
        replicas: 2, selector: SELECTOR(), template: podTemplate(), serviceName: 's', podManagementPolicy: 'Parallel', ordinals: { start: 1 },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1, maxUnavailable: 1 } }, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' },
        volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
      status: { replicas: 2, readyReplicas: 1, availableReplicas: 1, collisionCount: 0 },
    };
    case 'DaemonSet': return {
      ...head, spec: { selector: SELECTOR(), template: podTemplate(), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } } },
      status: { currentNumberScheduled: 1, desiredNumberScheduled: 1, numberReady: 1, numberMisscheduled: 0 },
    };
    default: return { ...head, revision: 3, data: { spec: { a: [1, 2] } } };
  }
}

function survives(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ApiError) || err.httpCode !== 400) throw err;
  }
}

describe('apps kinds on hostile JSON', () => {
  for (const k of APPS_KINDS) {
    it(`${k.kind}: defaults, strategies, validation and its row take any JSON type anywhere`, () => {
      const next = mulberry32(0x61707073 ^ k.kind.length);
      const old = sample(k);
      k.prepareForCreate(old);
      expect(k.validate(old)).toEqual([]);
      const all = paths(sample(k));
      for (let i = 0; i < 400; i++) {
        const obj = sample(k);
        const swaps = 1 + Math.floor(next() * 3);
        for (let j = 0; j < swaps; j++) {
          const p = all[Math.floor(next() * all.length)] as Step[];
          try { setAt(obj, p, structuredClone(VALUES[Math.floor(next() * VALUES.length)])); } catch { /* a parent was swapped away */ }
        }
        survives(() => { const o = structuredClone(obj); k.prepareForCreate(o); k.validate(o); });
        survives(() => { const o = structuredClone(obj); k.prepareForUpdate(o, structuredClone(old), ''); k.validateUpdate(o, old); });
        survives(() => { const o = structuredClone(obj); k.prepareForUpdate(o, structuredClone(old), 'status'); k.validateUpdate(o, old); });
        survives(() => { const o = structuredClone(old); k.prepareForUpdate(o, structuredClone(obj), ''); k.validateUpdate(o, obj); });
        expect(() => toTable(k.resource, [obj], { now: 0 }, k.table)).not.toThrow();
      }
    }, 60_000);
  }
});
