// intstr.GetScaledValueFromIntOrPercent: a number as is, "N%" of total rounded up or down; any
// other string is an error (the API server validates, so errors mean a stored object predates it).

export type Scaled = { value: number } | { error: string };

export function scaledValue(v: number | string | undefined | null, total: number, roundUp: boolean): Scaled {
  if (v === undefined || v === null) return { error: 'nil value for IntOrString' };
  if (typeof v === 'number') return { value: v };
  if (!v.endsWith('%')) return { error: 'invalid type: string is not a percentage' };
  const digits = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) return { error: `invalid value for IntOrString: invalid value "${v}"` };
  const percent = Number.parseInt(digits, 10);
  const exact = (percent * total) / 100;
  return { value: roundUp ? Math.ceil(exact) : Math.floor(exact) };
}
