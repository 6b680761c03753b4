// resource.Quantity (k8s.io/apimachinery/pkg/api/resource): parse, compare and print in canonical
// form (what the apiserver stores and returns, e.g. "0.5" → "500m", "1024Mi" → "1Gi"). Pure.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** Value in nano units (10^-9), rounded up (away from zero is not needed: quantities are ≥ 0 here). */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n,
};
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** The message resource.ParseQuantity fails with. */
export const QUANTITY_FORMAT_ERROR = 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'';

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Parses a quantity; undefined when it does not match kube's grammar. */
export function parseQuantity(input: string): Quantity | undefined {
  const m = QUANTITY_RE.exec(input.trim() === input ? input : '');
  if (m === null) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  const num = m[2] ?? '0';
  const suffix = m[3] ?? '';
  const [intPart = '', fracPart = ''] = num.split('.');
  // numerator / 10^fracLen is the number
  const digits = BigInt(`${intPart}${fracPart}` === '' ? '0' : `${intPart}${fracPart}`);
  const fracLen = fracPart.length;
  let format: QuantityFormat;
  let numer: bigint;
  let denom: bigint;
  const bin = BINARY[suffix];
  if (bin !== undefined) {
    format = 'BinarySI';
    numer = digits * bin * pow10(9);
    denom = pow10(fracLen);
  } else if (/^[eE]/.test(suffix)) {
    format = 'DecimalExponent';
    const exp = Number(suffix.slice(1)) + 9 - fracLen;
    if (Math.abs(exp) > 400) return undefined;
    numer = exp >= 0 ? digits * pow10(exp) : digits;
    denom = exp >= 0 ? 1n : pow10(-exp);
  } else {
    format = 'DecimalSI';
    const exp = (DECIMAL[suffix] ?? 0) + 9 - fracLen;
    numer = exp >= 0 ? digits * pow10(exp) : digits;
    denom = exp >= 0 ? 1n : pow10(-exp);
  }
  let nanos = numer / denom;
  if (nanos * denom !== numer) nanos += 1n; // round up
  return { nanos: sign * nanos, format };
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** Rounds up to milli precision (SetDefaults_ResourceList). */
export function roundUpToMilli(q: Quantity): Quantity {
  const milli = 1_000_000n;
  const r = q.nanos % milli;
  if (r === 0n) return q;
  return { nanos: q.nanos - r + (q.nanos > 0n ? milli : 0n), format: q.format };
}

const DECIMAL_SUFFIX: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };

/** Canonical string (Quantity.String()). */
export function formatQuantity(q: Quantity): string {
  const neg = q.nanos < 0n;
  const abs = neg ? -q.nanos : q.nanos;
  const sign = neg ? '-' : '';
  if (abs === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const oneNano = pow10(9);
    if (abs < 1024n * oneNano || abs % oneNano !== 0n) format = 'DecimalSI';
    else {
      let value = abs / oneNano;
      const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
      let i = 0;
      while (i < suffixes.length - 1 && value % 1024n === 0n) {
        value /= 1024n;
        i++;
      }
      return `${sign}${value}${suffixes[i] ?? ''}`;
    }
  }
  // decimal: mantissa * 10^exp with exp a multiple of 3, as large as possible with an integer mantissa
  let mantissa = abs;
  let exp = -9;
  while (mantissa % 1000n === 0n && exp < 18) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
  return `${sign}${mantissa}${DECIMAL_SUFFIX[exp] ?? ''}`;
}

/** Parses and re-prints a quantity string in canonical form; returns the input if it does not parse. */
export function canonicalQuantity(s: string, roundMilli = false): string {
  const q = parseQuantity(s);
  if (q === undefined) return s;
  return formatQuantity(roundMilli ? roundUpToMilli(q) : q);
}
