import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.ts';
import { decodeProtobuf, isProtobufEnvelope } from './protobuf.ts';

// Captured from `kubectl create secret generic s1 --from-literal=p=q` (protocol notes §3.5).
const CAPTURED_SECRET = Buffer.from(
  '6b387300' + '0a0c0a027631120653656372657412' + '1e0a120a02733112001a0022002a0032003800420012060a01701201711a00' + '1a00' + '2200', 'hex');

/** Builds an envelope around `raw` with protobufjs' writer (field numbers of runtime.Unknown). */
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = protobuf.Writer.create();
  const tm = protobuf.Writer.create().uint32(10).string(apiVersion).uint32(18).string(kind).finish();
  w.uint32(10).bytes(tm).uint32(18).bytes(raw).uint32(26).string('').uint32(34).string('');
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), w.finish()]);
}

function entry(key: string, value: Uint8Array | string): Uint8Array {
  const w = protobuf.Writer.create().uint32(10).string(key);
  if (typeof value === 'string') w.uint32(18).string(value);
  else w.uint32(18).bytes(value);
  return w.finish();
}

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

  it('decodes a namespace and a service account', () => {
    const ns = protobuf.Writer.create().uint32(10).bytes(protobuf.Writer.create().uint32(10).string('dev').finish())
      .uint32(18).bytes(new Uint8Array()).uint32(26).bytes(new Uint8Array()).finish();
    expect(decodeProtobuf(envelope('v1', 'Namespace', ns))).toEqual({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'dev' } });
    const sa = protobuf.Writer.create().uint32(10).bytes(protobuf.Writer.create().uint32(10).string('robot').finish()).finish();
    expect(decodeProtobuf(envelope('v1', 'ServiceAccount', sa))).toEqual({ kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'robot' } });
  });

  it('rejects unsupported kinds with 415 and garbage with 400', () => {
    let err: unknown;
    try {
      decodeProtobuf(envelope('v1', 'Pod', new Uint8Array()));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
      reason: 'UnsupportedMediaType', code: 415,
    });
    expect(() => decodeProtobuf(Buffer.from('{"kind":"Pod"}'))).toThrow(/does not appear to be a protobuf message/);
  });
});
