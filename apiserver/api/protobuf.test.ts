import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.ts';
import { decodeProtobuf, isProtobufEnvelope } from './protobuf.ts';

// Captured from `kubectl create secret generic s1 --from-literal=p=q` (protocol notes §3.5).
const CAPTURED_SECRET = Buffer.from(
  '6b387300' + '0a0c0a027631120653656372657412' + '1e0a120a02733112001a0022002a0032003800420012060a01701201711a00' + '1a00' + '2200', 'hex');

/** Builds an envelope around `raw` with protobufjs' writer (field numbers of runtime.Unknown). */
function envelope(apiVersion: string, kind: string, raw: Uint8Array, contentEncoding = ''): Buffer {
  const w = protobuf.Writer.create();
  const tm = protobuf.Writer.create().uint32(10).string(apiVersion).uint32(18).string(kind).finish();
  w.uint32(10).bytes(tm).uint32(18).bytes(raw).uint32(26).string(contentEncoding).uint32(34).string('');
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), w.finish()]);
}

function entry(key: string, value: Uint8Array | string): Uint8Array {
  const w = protobuf.Writer.create().uint32(10).string(key);
  if (typeof value === 'string') w.uint32(18).string(value);
  else w.uint32(18).bytes(value);
  return w.finish();
}

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

const UNSUPPORTED = {
  kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
  message: 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
  reason: 'UnsupportedMediaType', code: 415,
};

describe('decodeProtobuf', () => {
  it('decodes the captured kubectl create secret body', () => {
    expect(isProtobufEnvelope(CAPTURED_SECRET)).toBe(true);
    expect(decodeProtobuf(CAPTURED_SECRET)).toEqual({ kind: 'Secret', apiVersion: 'v1', metadata: { name: 's1' }, data: { p: 'cQ==' } });
  });

  it('decodes a configmap with labels, data and binaryData', () => {
    const meta = protobuf.Writer.create().uint32(10).string('cm1').uint32(26).string('dev')
      .uint32(90).bytes(entry('app', 'web')).uint32(98).bytes(entry('note', 'x')).finish();
    const cm = protobuf.Writer.create().uint32(10).bytes(meta)
      .uint32(18).bytes(entry('k1', 'v1')).uint32(18).bytes(entry('k2', ''))
      .uint32(26).bytes(entry('bin', Buffer.from([0, 1, 2]))).finish();
    expect(decodeProtobuf(envelope('v1', 'ConfigMap', cm))).toEqual({
      kind: 'ConfigMap', apiVersion: 'v1',
      metadata: { name: 'cm1', namespace: 'dev', labels: { app: 'web' }, annotations: { note: 'x' } },
      data: { k1: 'v1', k2: '' }, binaryData: { bin: 'AAEC' },
    });
  });

  it('decodes a namespace and a service account, metadata always present', () => {
    const ns = protobuf.Writer.create().uint32(10).bytes(protobuf.Writer.create().uint32(10).string('dev').finish())
      .uint32(18).bytes(new Uint8Array()).uint32(26).bytes(new Uint8Array()).finish();
    expect(decodeProtobuf(envelope('v1', 'Namespace', ns))).toEqual({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'dev' } });
    const sa = protobuf.Writer.create().uint32(10).bytes(protobuf.Writer.create().uint32(10).string('robot').finish()).finish();
    expect(decodeProtobuf(envelope('v1', 'ServiceAccount', sa))).toEqual({ kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'robot' } });
    expect(decodeProtobuf(envelope('apps/v1', 'Deployment', new Uint8Array()))).toEqual({ kind: 'Deployment', apiVersion: 'apps/v1', metadata: {} });
  });

  it('decodes DeleteOptions in any group version, without metadata', () => {
    const opts = protobuf.Writer.create().uint32(8).int64(0).uint32(34).string('Foreground').finish();
    for (const gv of ['v1', 'apps/v1', 'batch/v1', 'storage.k8s.io/v1', 'meta.k8s.io/v1']) {
      expect(decodeProtobuf(envelope(gv, 'DeleteOptions', opts))).toEqual({ kind: 'DeleteOptions', apiVersion: gv, gracePeriodSeconds: 0, propagationPolicy: 'Foreground' });
    }
  });

  it('answers 415 for kinds outside the table, content encodings and values it cannot carry', () => {
    expect(thrown(() => decodeProtobuf(envelope('v1', 'Widget', new Uint8Array()))).status).toEqual(UNSUPPORTED);
    expect(thrown(() => decodeProtobuf(envelope('apps/v2', 'Deployment', new Uint8Array()))).status.code).toBe(415);
    expect(thrown(() => decodeProtobuf(envelope('storage.k8s.io/v1', 'StorageClass', new Uint8Array()))).status.code).toBe(415);
    expect(thrown(() => decodeProtobuf(envelope('v1', 'PodExecOptions', new Uint8Array()))).status.code).toBe(415);
    expect(thrown(() => decodeProtobuf(envelope('v1', 'ConfigMap', new Uint8Array(), 'gzip'))).status.code).toBe(415);
    // a field number 1.32 does not know, carrying a value (a newer client's field)
    const container = protobuf.Writer.create().uint32(10).string('c').uint32((99 << 3) | 2).string('SIGTERM').finish();
    const pod = protobuf.Writer.create().uint32(18).bytes(protobuf.Writer.create().uint32(18).bytes(container).finish()).finish();
    expect(thrown(() => decodeProtobuf(envelope('v1', 'Pod', pod))).status).toEqual(UNSUPPORTED);
  });

  it('answers 400 for bodies that are not protobuf or are malformed', () => {
    expect(thrown(() => decodeProtobuf(Buffer.from('{"kind":"Pod"}'))).message).toMatch(/does not appear to be a protobuf message/);
    expect(thrown(() => decodeProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x09]))).status.code).toBe(400);
    expect(thrown(() => decodeProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0f]))).status.code).toBe(400);
    const badMeta = protobuf.Writer.create().uint32(8).int64(1).finish(); // metadata as a varint
    const e = thrown(() => decodeProtobuf(envelope('v1', 'ConfigMap', badMeta)));
    expect(e.status.code).toBe(400);
    expect(e.message).toBe('unable to decode ConfigMap: proto: wrong wireType = 0 for field ConfigMap.metadata');
  });
});

describe('decodeProtobuf on mangled kubectl bodies', () => {
  it('decodes or answers 400/415, never anything else (seeded mutations of every captured body)', () => {
    const dir = join(import.meta.dirname, 'protobuf', 'testdata');
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const outcomes = { decoded: 0, 400: 0, 415: 0 };
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.bin'))) {
      const body = readFileSync(join(dir, file));
      for (let i = 0; i < 150; i++) {
        const m = Buffer.from(body);
        const at = 4 + rand(m.length - 4);
        const op = rand(3);
        let mangled: Buffer;
        if (op === 0) {
          m[at] = rand(256);
          mangled = m;
        } else if (op === 1) {
          mangled = m.subarray(0, at);
        } else {
          mangled = Buffer.concat([m.subarray(0, at), Buffer.from([rand(256), rand(256)]), m.subarray(at)]);
        }
        try {
          decodeProtobuf(mangled);
          outcomes.decoded++;
        } catch (e) {
          expect(e).toBeInstanceOf(ApiError);
          const code = (e as ApiError).status.code;
          expect([400, 415]).toContain(code);
          outcomes[code as 400 | 415]++;
        }
      }
    }
    expect(outcomes.decoded).toBeGreaterThan(0);
    expect(outcomes[400]).toBeGreaterThan(0);
  });
});
