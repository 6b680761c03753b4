// The protobuf wire format, read only: a message's bytes → its fields in order (number, wire
// type, raw value). Varints are BigInts, so 64-bit values and negative int32s (ten-byte varints)
// keep every bit until the schema says what they are. Groups (wire types 3, 4) are not part of
// Kubernetes' messages and count as malformed. Pure.
import { NodeletError } from '../../../lib/errors.ts';

/** A body the wire format cannot parse (truncated, over-long varint, bad wire type). */
export class WireFormatError extends NodeletError {
  constructor(message: string) {
    super('PROTOBUF_MALFORMED', message);
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export type WireField =
  | { num: number; wire: typeof WIRE_VARINT; value: bigint }
  | { num: number; wire: typeof WIRE_FIXED64 | typeof WIRE_FIXED32 | typeof WIRE_BYTES; value: Uint8Array };

/** Reads one varint at `pos`; returns the value and the position after it. */
export function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos + i];
    if (b === undefined) throw new WireFormatError('unexpected EOF');
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [BigInt.asUintN(64, result), pos + i + 1];
    shift += 7n;
  }
  throw new WireFormatError('integer overflow');
}

function take(buf: Uint8Array, pos: number, n: number): Uint8Array {
  if (n < 0 || pos + n > buf.length) throw new WireFormatError('unexpected EOF');
  return buf.subarray(pos, pos + n);
}

/** Splits a message into its fields, in wire order. */
export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos);
    pos = afterTag;
    const num = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (num <= 0 || num > 0x1fffffff) throw new WireFormatError(`illegal field number ${num}`);
    switch (wire) {
      case WIRE_VARINT: {
        const [value, next] = readVarint(buf, pos);
        out.push({ num, wire, value });
        pos = next;
        break;
      }
      case WIRE_FIXED64:
        out.push({ num, wire, value: take(buf, pos, 8) });
        pos += 8;
        break;
      case WIRE_FIXED32:
        out.push({ num, wire, value: take(buf, pos, 4) });
        pos += 4;
        break;
      case WIRE_BYTES: {
        const [len, next] = readVarint(buf, pos);
        if (len > BigInt(buf.length)) throw new WireFormatError('unexpected EOF');
        out.push({ num, wire, value: take(buf, next, Number(len)) });
        pos = next + Number(len);
        break;
      }
      default:
        throw new WireFormatError(`illegal wireType ${wire} for field ${num}`);
    }
  }
  return out;
}

/** The varints of a packed repeated field. */
export function readPackedVarints(buf: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [v, next] = readVarint(buf, pos);
    out.push(v);
    pos = next;
  }
  return out;
}

/**
 * True when a field carries nothing: a zero varint or fixed value, or bytes that are empty or
 * parse as a message whose fields all carry nothing (what Go's Marshal writes for an unset
 * non-pointer field). Used to skip fields the schema does not know without losing a value.
 */
export function carriesNothing(field: WireField, depth = 0): boolean {
  if (field.wire === WIRE_VARINT) return field.value === 0n;
  if (field.wire !== WIRE_BYTES) return field.value.every((b) => b === 0);
  if (field.value.length === 0) return true;
  if (depth >= 32) return false;
  try {
    return readFields(field.value).every((f) => carriesNothing(f, depth + 1));
  } catch {
    return false;
  }
}
