import { describe, expect, it } from 'vitest';
import { carriesNothing, readFields, readPackedVarints, readVarint, WireFormatError } from './wire.ts';

describe('wire', () => {
  it('reads varints up to 64 bits, including ten-byte negatives', () => {
    expect(readVarint(Buffer.from([0x96, 0x01]), 0)).toEqual([150n, 2]);
    const minusOne = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(BigInt.asIntN(64, readVarint(minusOne, 0)[0])).toBe(-1n);
    expect(() => readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 0)).toThrow('integer overflow');
    expect(() => readVarint(Buffer.from([0x80]), 0)).toThrow(WireFormatError);
  });

  it('splits a message into fields and rejects groups and truncation', () => {
    const fields = readFields(Buffer.from([0x08, 0x01, 0x12, 0x02, 0x68, 0x69, 0x1d, 1, 0, 0, 0, 0x21, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(fields.map((f) => [f.num, f.wire])).toEqual([[1, 0], [2, 2], [3, 5], [4, 1]]);
    expect(Buffer.from(fields[1]?.value as Uint8Array).toString()).toBe('hi');
    expect(() => readFields(Buffer.from([0x0b, 0x0c]))).toThrow(/illegal wireType 3/);
    expect(() => readFields(Buffer.from([0x12, 0x05, 0x68]))).toThrow('unexpected EOF');
    expect(() => readFields(Buffer.from([0x00]))).toThrow(/illegal field number 0/);
  });

  it('reads packed varints', () => {
    expect(readPackedVarints(Buffer.from([0x01, 0x96, 0x01, 0x03]))).toEqual([1n, 150n, 3n]);
  });

  it('tells empty fields from fields carrying a value', () => {
    const [zero, empty, emptyMsg, text] = readFields(Buffer.from([0x08, 0x00, 0x12, 0x00, 0x1a, 0x04, 0x0a, 0x00, 0x10, 0x00, 0x22, 0x01, 0x61]));
    expect([zero, empty, emptyMsg].every((f) => f !== undefined && carriesNothing(f))).toBe(true);
    expect(text !== undefined && carriesNothing(text)).toBe(false);
  });
});
