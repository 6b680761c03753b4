import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { messageDescriptor, type MessageDescriptor, type ValueType } from './descriptors.ts';
import type { PackageName } from './schema.ts';
import { formatDuration, formatTime, messageToJson, UndecodableError } from './to-json.ts';
import { WireFormatError } from './wire.ts';

type Obj = Record<string, unknown>;
type Writer = protobuf.Writer;

const tag = (num: number, wire: number): number => (num << 3) | wire;

/** An encoder driven by the same table, written with protobufjs' writer: the round trip's other half. */
function writeValue(w: Writer, num: number, type: ValueType, v: unknown): void {
  if (type.kind === 'scalar') {
    switch (type.scalar) {
      case 'string': w.uint32(tag(num, 2)).string(v as string); return;
      case 'bytes': w.uint32(tag(num, 2)).bytes(Buffer.from(v as string, 'base64')); return;
      case 'bool': w.uint32(tag(num, 0)).bool(v as boolean); return;
      case 'int32': w.uint32(tag(num, 0)).int32(v as number); return;
      case 'int64': w.uint32(tag(num, 0)).int64(v as number); return;
    }
  }
  const sub = protobuf.Writer.create();
  if (type.kind === 'special') {
    switch (type.special) {
      case 'Quantity': sub.uint32(tag(1, 2)).string(v as string); break;
      case 'IntOrString':
        if (typeof v === 'number') sub.uint32(tag(1, 0)).int64(0).uint32(tag(2, 0)).int32(v);
        else sub.uint32(tag(1, 0)).int64(1).uint32(tag(3, 2)).string(v as string);
        break;
      case 'Time': sub.uint32(tag(1, 0)).int64(Date.parse(v as string) / 1000); break;
      case 'MicroTime': {
        const ms = Date.parse(v as string);
        const micros = Number(/\.(\d{6})Z$/.exec(v as string)?.[1] ?? '0');
        sub.uint32(tag(1, 0)).int64(Math.floor(ms / 1000)).uint32(tag(2, 0)).int32(micros * 1000);
        break;
      }
      case 'RawExtension':
      case 'FieldsV1': sub.uint32(tag(1, 2)).bytes(Buffer.from(JSON.stringify(v))); break;
      case 'Duration': throw new Error('not used by the table');
    }
    w.uint32(tag(num, 2)).bytes(sub.finish());
    return;
  }
  const desc = messageDescriptor(type.pkg, type.name);
  if (desc.listOf === undefined) {
    w.uint32(tag(num, 2)).bytes(encode(desc, v as Obj));
    return;
  }
  for (const item of v as unknown[]) writeValue(sub, 1, desc.listOf, item);
  w.uint32(tag(num, 2)).bytes(sub.finish());
}

function encode(desc: MessageDescriptor, obj: Obj): Uint8Array {
  const w = protobuf.Writer.create();
  for (const fd of desc.fields) {
    if (fd.inline) {
      writeValue(w, fd.num, fd.type, obj);
      continue;
    }
    const v = obj[fd.name];
    if (v === undefined) continue;
    if (fd.cardinality === 'repeated') {
      for (const e of v as unknown[]) writeValue(w, fd.num, fd.type, e);
    } else if (fd.cardinality === 'map') {
      for (const [k, e] of Object.entries(v as Obj)) {
        const entry = protobuf.Writer.create().uint32(tag(1, 2)).string(k);
        writeValue(entry, 2, fd.type, e);
        w.uint32(tag(fd.num, 2)).bytes(entry.finish());
      }
    } else {
      writeValue(w, fd.num, fd.type, v);
    }
  }
  return w.finish();
}

function roundTrip(pkg: PackageName, name: string, obj: Obj): Obj {
  const desc = messageDescriptor(pkg, name);
  return messageToJson(desc, encode(desc, obj));
}

function decode(pkg: PackageName, name: string, bytes: Uint8Array): Obj {
  return messageToJson(messageDescriptor(pkg, name), bytes);
}

const w = (): Writer => protobuf.Writer.create();

describe('messageToJson round trips (table-driven encoder → decoder)', () => {
  const cases: { pkg: PackageName; name: string; obj: Obj }[] = [
    {
      pkg: 'apps', name: 'Deployment', obj: {
        metadata: { name: 'web', namespace: 'dev', labels: { app: 'web' }, annotations: { note: '' }, generation: 3, finalizers: ['a', ''] },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              containers: [{
                name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }],
                resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '500m' } },
                livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
                readinessProbe: { tcpSocket: { port: 8080 } },
                env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: false } } }],
              }],
              volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'cfg', configMap: { name: 'cm', defaultMode: 420 } }],
              securityContext: { runAsUser: 0, supplementalGroups: [1, 2] },
              priority: -5,
              automountServiceAccountToken: false,
            },
          },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
          paused: true,
        },
      },
    },
    {
      pkg: 'core', name: 'Service', obj: {
        metadata: { name: 's' },
        spec: { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }], clusterIP: 'None', type: 'NodePort' },
      },
    },
    {
      pkg: 'authz', name: 'SubjectAccessReview', obj: {
        spec: { resourceAttributes: { verb: 'get', resource: 'pods' }, user: 'alice', extra: { scopes: ['a', 'b'], none: [] }, uid: 'u' },
        status: { allowed: false },
      },
    },
    {
      pkg: 'coordination', name: 'Lease', obj: {
        metadata: { name: 'n1', creationTimestamp: '2025-01-02T03:04:05Z' },
        spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2025-01-02T03:04:05.123456Z' },
      },
    },
    {
      pkg: 'apps', name: 'ControllerRevision', obj: {
        metadata: { name: 'rev', managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }] },
        data: { spec: { template: { $patch: 'replace' } } },
        revision: 2,
      },
    },
    {
      pkg: 'core', name: 'Secret', obj: {
        metadata: { name: 's' }, data: { a: 'AAEC', empty: '' }, stringData: { s: '' }, type: 'Opaque', immutable: false,
      },
    },
  ];
  for (const c of cases) {
    it(`${c.pkg}.${c.name}`, () => {
      expect(roundTrip(c.pkg, c.name, c.obj)).toEqual(c.obj);
    });
  }
});

describe('messageToJson presence rules', () => {
  it('keeps a pointer set to zero and drops a non-pointer zero, but keeps a non-omitempty scalar', () => {
    // ServicePort: name "" (omitempty) , port 0 (no omitempty), nodePort 0 (omitempty), appProtocol "" (pointer)
    const port = w().uint32(tag(1, 2)).string('').uint32(tag(3, 0)).int32(0).uint32(tag(5, 0)).int32(0).uint32(tag(6, 2)).string('').finish();
    expect(decode('core', 'ServicePort', port)).toEqual({ port: 0, appProtocol: '' });
    const spec = w().uint32(tag(1, 0)).int32(0).finish();
    expect(decode('apps', 'DeploymentSpec', spec)).toEqual({ replicas: 0 });
  });

  it('drops empty non-pointer messages and zero Times, keeps empty pointer messages', () => {
    const emptyDir = w().uint32(tag(1, 2)).string('v').uint32(tag(2, 2)).bytes(w().uint32(tag(2, 2)).bytes(new Uint8Array()).finish()).finish();
    expect(decode('core', 'Volume', emptyDir)).toEqual({ name: 'v', emptyDir: {} });
    const meta = w().uint32(tag(1, 2)).string('x').uint32(tag(8, 2)).bytes(new Uint8Array()).uint32(tag(7, 0)).int64(0).finish();
    const container = w().uint32(tag(1, 2)).string('c').uint32(tag(8, 2)).bytes(new Uint8Array()).finish();
    expect(decode('meta', 'ObjectMeta', meta)).toEqual({ name: 'x' });
    expect(decode('core', 'Container', container)).toEqual({ name: 'c' });
  });

  it('keeps empty strings inside lists and maps', () => {
    const rule = w().uint32(tag(1, 2)).string('get').uint32(tag(2, 2)).string('').uint32(tag(3, 2)).string('pods').finish();
    expect(decode('rbac', 'PolicyRule', rule)).toEqual({ verbs: ['get'], apiGroups: [''], resources: ['pods'] });
    const entry = w().uint32(tag(1, 2)).string('k').finish(); // a map entry without a value
    expect(decode('core', 'ConfigMap', w().uint32(tag(2, 2)).bytes(entry).finish())).toEqual({ data: { k: '' } });
  });

  it('reads packed and unpacked repeated numbers, negative int32s and int64s', () => {
    const packed = w().uint32(tag(4, 2)).bytes(w().int64(1).int64(2).finish()).uint32(tag(4, 0)).int64(3).uint32(tag(6, 0)).int64(-1).finish();
    expect(decode('core', 'PodSecurityContext', packed)).toEqual({ supplementalGroups: [1, 2, 3], runAsGroup: -1 });
    expect(decode('core', 'PodSpec', w().uint32(tag(25, 0)).int32(-7).finish())).toEqual({ priority: -7 });
  });

  it('converts Quantities to their canonical string and rejects malformed ones', () => {
    const q = (s: string): Uint8Array => w().uint32(tag(1, 2)).string(s).finish();
    const list = w().uint32(tag(1, 2)).bytes(w().uint32(tag(1, 2)).string('cpu').uint32(tag(2, 2)).bytes(q('1000m')).finish())
      .uint32(tag(1, 2)).bytes(w().uint32(tag(1, 2)).string('memory').uint32(tag(2, 2)).bytes(q('0')).finish()).finish();
    expect(decode('core', 'ResourceRequirements', list)).toEqual({ limits: { cpu: '1', memory: '0' } });
    expect(() => decode('core', 'ResourceRequirements', w().uint32(tag(1, 2)).bytes(w().uint32(tag(1, 2)).string('cpu').uint32(tag(2, 2)).bytes(q('lots')).finish()).finish()))
      .toThrow(WireFormatError);
    // a non-pointer zero quantity is unset; a pointer one is kept
    expect(decode('core', 'ResourceFieldSelector', w().uint32(tag(2, 2)).string('limits.cpu').uint32(tag(3, 2)).bytes(q('0')).finish())).toEqual({ resource: 'limits.cpu' });
    expect(decode('core', 'EmptyDirVolumeSource', w().uint32(tag(2, 2)).bytes(q('0')).finish())).toEqual({ sizeLimit: '0' });
  });

  it('converts IntOrString to a number or a string', () => {
    const ios = (t: number, i: number, s: string): Uint8Array => w().uint32(tag(1, 0)).int64(t).uint32(tag(2, 0)).int32(i).uint32(tag(3, 2)).string(s).finish();
    expect(decode('core', 'ServicePort', w().uint32(tag(3, 0)).int32(80).uint32(tag(4, 2)).bytes(ios(0, 8080, '')).finish())).toEqual({ port: 80, targetPort: 8080 });
    expect(decode('core', 'ServicePort', w().uint32(tag(3, 0)).int32(80).uint32(tag(4, 2)).bytes(ios(1, 0, 'http')).finish())).toEqual({ port: 80, targetPort: 'http' });
    // targetPort unset (Go writes the zero IntOrString) → left for defaulting
    expect(decode('core', 'ServicePort', w().uint32(tag(3, 0)).int32(80).uint32(tag(4, 2)).bytes(ios(0, 0, '')).finish())).toEqual({ port: 80 });
    // a pointer IntOrString set to 0 stays
    expect(decode('policy', 'PodDisruptionBudgetSpec', w().uint32(tag(3, 2)).bytes(ios(0, 0, '')).finish())).toEqual({ maxUnavailable: 0 });
  });

  it('formats Time (whole seconds) and MicroTime (microseconds) in UTC', () => {
    const ts = (s: number, n = 0): Uint8Array => w().uint32(tag(1, 0)).int64(s).uint32(tag(2, 0)).int32(n).finish();
    expect(decode('meta', 'ObjectMeta', w().uint32(tag(8, 2)).bytes(ts(1735787045, 999)).finish())).toEqual({ creationTimestamp: '2025-01-02T03:04:05Z' });
    expect(decode('meta', 'ObjectMeta', w().uint32(tag(9, 2)).bytes(ts(0)).finish())).toEqual({ deletionTimestamp: '1970-01-01T00:00:00Z' });
    expect(decode('coordination', 'LeaseSpec', w().uint32(tag(4, 2)).bytes(ts(1735787045, 123456789)).finish())).toEqual({ renewTime: '2025-01-02T03:04:05.123456Z' });
    expect(formatTime(-62135596800n)).toBe('0001-01-01T00:00:00Z');
  });

  it('formats Durations as Go does', () => {
    expect(formatDuration(0n)).toBe('0s');
    expect(formatDuration(1_500_000_000n)).toBe('1.5s');
    expect(formatDuration(90_000_000_000n)).toBe('1m30s');
    expect(formatDuration(3_600_000_000_000n)).toBe('1h0m0s');
    expect(formatDuration(1_000n)).toBe('1µs');
    expect(formatDuration(2_500_000n)).toBe('2.5ms');
    expect(formatDuration(7n)).toBe('7ns');
    expect(formatDuration(-2_000_000_000n)).toBe('-2s');
  });

  it('merges repeated occurrences of a message field; the last scalar wins', () => {
    const meta1 = w().uint32(tag(1, 2)).string('a').finish();
    const meta2 = w().uint32(tag(3, 2)).string('ns').finish();
    const cm = w().uint32(tag(1, 2)).bytes(meta1).uint32(tag(1, 2)).bytes(meta2).uint32(tag(4, 0)).bool(true).uint32(tag(4, 0)).bool(false).finish();
    expect(decode('core', 'ConfigMap', cm)).toEqual({ metadata: { name: 'a', namespace: 'ns' }, immutable: false });
  });

  it('skips unknown fields that carry nothing and refuses unknown fields with a value', () => {
    const empty = w().uint32(tag(1, 2)).string('c').uint32(tag(99, 2)).string('').uint32(tag(98, 0)).int64(0)
      .uint32(tag(97, 2)).bytes(w().uint32(tag(1, 2)).string('').finish()).finish();
    expect(decode('core', 'Container', empty)).toEqual({ name: 'c' });
    expect(() => decode('core', 'Container', w().uint32(tag(99, 2)).string('SIGTERM').finish())).toThrow(UndecodableError);
    expect(() => decode('core', 'Container', w().uint32(tag(98, 0)).int64(15).finish())).toThrow(UndecodableError);
  });

  it('rejects wrong wire types and truncated bytes as malformed', () => {
    expect(() => decode('core', 'Container', w().uint32(tag(1, 0)).int64(1).finish())).toThrow(WireFormatError);
    expect(() => decode('core', 'Container', w().uint32(tag(16, 2)).string('x').finish())).toThrow(WireFormatError);
    expect(() => decode('core', 'Container', Buffer.from([0x0a, 0x05, 0x61]))).toThrow(WireFormatError);
    expect(() => decode('core', 'Container', Buffer.from([0x0b]))).toThrow(WireFormatError);
  });

  it('refuses a RawExtension that is not JSON', () => {
    const rev = w().uint32(tag(2, 2)).bytes(w().uint32(tag(1, 2)).bytes(Buffer.from('k8s\0...')).finish()).finish();
    expect(() => decode('apps', 'ControllerRevision', rev)).toThrow(UndecodableError);
  });
});
