// $(VAR) expansion of an exec probe's command against the container's *static* env values, as the
// kubelet's ExpandContainerCommandOnlyStatic: valueFrom entries expand to '' (their static value),
// unknown references stay as written, and $$ escapes a dollar.
import type { EnvVar } from 'kubernetes-types/core/v1.d.ts';

export function expandString(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch === '$' && i + 1 < input.length) {
      const next = input[i + 1];
      if (next === '$') {
        out += '$';
        i += 2;
        continue;
      }
      if (next === '(') {
        const close = input.indexOf(')', i + 2);
        if (close >= 0) {
          const name = input.slice(i + 2, close);
          out += lookup(name) ?? `$(${name})`;
          i = close + 1;
          continue;
        }
        out += '$(';
        i += 2;
        continue;
      }
      out += `$${next ?? ''}`;
      i += 2;
      continue;
    }
    out += ch ?? '';
    i += 1;
  }
  return out;
}

export function expandStaticCommand(command: string[], env: EnvVar[] | undefined): string[] {
  const values = new Map<string, string>();
  for (const e of env ?? []) values.set(e.name, e.value ?? '');
  return command.map((arg) => expandString(arg, (name) => values.get(name)));
}
