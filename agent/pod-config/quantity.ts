// Kubernetes resource.Quantity parsing ("500m", "1", "0.5", "64Mi", "1G", "129e6"), held as an
// exact rational so "0.1" + "0.2" and "1.5Gi" are never rounded before the caller decides how
// (Value() and MilliValue() round up, as apimachinery does).
import { NodeletError } from '../../lib/errors.ts';

/** An exact quantity: num / den, den > 0. */
export interface Quantity {
  readonly num: bigint;
  readonly den: bigint;
}

export class InvalidQuantityError extends NodeletError {
  constructor(input: string) {
    super('InvalidQuantity', `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got ${JSON.stringify(input)})`);
  }
}

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(.*)$/;

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

function make(num: bigint, den: bigint): Quantity {
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

export function parseQuantity(input: string): Quantity {
  const m = QUANTITY_RE.exec(input.trim());
  if (m === null) throw new InvalidQuantityError(input);
  const sign = m[1] === '-' ? -1n : 1n;
  const digits = m[2] ?? '';
  const suffix = m[3] ?? '';
  const [intPart = '', fracPart = ''] = digits.split('.');
  let num = BigInt((intPart + fracPart) || '0') * sign;
  let den = 10n ** BigInt(fracPart.length);
  const binary = BINARY[suffix];
  const decimal = DECIMAL[suffix];
  let exp10: number;
  if (binary !== undefined) {
    num *= 2n ** BigInt(binary);
    exp10 = 0;
  } else if (decimal !== undefined) {
    exp10 = decimal;
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    exp10 = Number.parseInt(suffix.slice(1), 10);
  } else {
    throw new InvalidQuantityError(input);
  }
  if (exp10 >= 0) num *= 10n ** BigInt(exp10);
  else den *= 10n ** BigInt(-exp10);
  return make(num, den);
}

function ceilDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den !== 0n && num > 0n ? q + 1n : q;
}

/** Value() of apimachinery: the quantity rounded up to an integer. */
export function quantityValue(q: Quantity): number {
  return Number(ceilDiv(q.num, q.den));
}

/** MilliValue(): the quantity × 1000, rounded up. */
export function quantityMilliValue(q: Quantity): number {
  return Number(ceilDiv(q.num * 1000n, q.den));
}

export function compareQuantity(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function addQuantity(a: Quantity, b: Quantity): Quantity {
  return make(a.num * b.den + b.num * a.den, a.den * b.den);
}

export const ZERO_QUANTITY: Quantity = { num: 0n, den: 1n };

/** Parses a quantity that may be absent; undefined stays undefined. Numbers are taken as-is. */
export function optionalQuantity(v: string | number | undefined): Quantity | undefined {
  if (v === undefined) return undefined;
  return parseQuantity(String(v));
}

/** Milli-CPUs of a cpu quantity ("500m" → 500, "1" → 1000, "0.5" → 500). */
export function cpuMillis(v: string | number): number {
  return quantityMilliValue(parseQuantity(String(v)));
}

/** Bytes of a memory/storage quantity ("64Mi" → 67108864, "129e6" → 129000000). */
export function quantityBytes(v: string | number): number {
  return quantityValue(parseQuantity(String(v)));
}
