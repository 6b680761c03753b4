// intstr.GetScaledValueFromIntOrPercent for the PDB's minAvailable/maxUnavailable: an integer is
// itself, "N%" is N percent of total (rounded up or down), anything else is an error with
// apimachinery's wording.

export type IntOrPercent = number | string;

export type Scaled = { value: number } | { error: string };

/** Go's strconv.Atoi on the digits before the "%": an optional sign, then decimal digits. */
function atoi(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number.parseInt(s, 10) : undefined;
}

export function scaledValueFromIntOrPercent(v: IntOrPercent, total: number, roundUp: boolean): Scaled {
  if (typeof v === 'number') return { value: Math.trunc(v) };
  if (!v.endsWith('%')) return { error: 'invalid value for IntOrString: invalid type: string is not a percentage' };
  const digits = v.slice(0, -1);
  const n = atoi(digits);
  if (n === undefined) {
    return { error: `invalid value for IntOrString: invalid value ${JSON.stringify(v)}: strconv.Atoi: parsing ${JSON.stringify(digits)}: invalid syntax` };
  }
  // Go computes in float64 and then truncates toward zero, as Math.ceil/floor do here.
  const scaled = (n * total) / 100;
  return { value: roundUp ? Math.ceil(scaled) : Math.floor(scaled) };
}
