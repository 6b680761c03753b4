// `$(VAR)` expansion with the Kubernetes rules (third_party/forked/golang/expansion): `$$` is an
// escaped `$`, a reference to an unknown variable stays literally `$(VAR)`, an unterminated
// `$(` and a `$` before any other character are kept as written.
import type { Container, EnvVar } from 'kubernetes-types/core/v1.d.ts';

export type Mapping = (name: string) => string;

/** Looks a name up in each context in turn; unknown names map back to `$(name)`. */
export function mappingFuncFor(...contexts: ReadonlyMap<string, string>[]): Mapping {
  return (name) => {
    for (const ctx of contexts) {
      const v = ctx.get(name);
      if (v !== undefined) return v;
    }
    return `$(${name})`;
  };
}

function tryReadVariableName(input: string): { read: string; isVar: boolean; advance: number } {
  const c = input[0];
  if (c === '$') return { read: '$', isVar: false, advance: 1 };
  if (c === '(') {
    const close = input.indexOf(')', 1);
    if (close !== -1) return { read: input.slice(1, close), isVar: true, advance: close + 1 };
    return { read: '$(', isVar: false, advance: 1 };
  }
  return { read: `$${c ?? ''}`, isVar: false, advance: 1 };
}

export function expand(input: string, mapping: Mapping): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] === '$' && cursor + 1 < input.length) {
      out += input.slice(checkpoint, cursor);
      const { read, isVar, advance } = tryReadVariableName(input.slice(cursor + 1));
      out += isVar ? mapping(read) : read;
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  return out + input.slice(checkpoint);
}

function envMap(env: readonly { name: string; value: string }[]): Map<string, string> {
  return new Map(env.map((e) => [e.name, e.value]));
}

/** Command and args with `$(VAR)` replaced from the container's final environment. */
export function expandCommandAndArgs(
  container: Pick<Container, 'command' | 'args'>,
  env: readonly { name: string; value: string }[],
): { command?: string[]; args?: string[] } {
  const mapping = mappingFuncFor(envMap(env));
  const out: { command?: string[]; args?: string[] } = {};
  if (container.command !== undefined) out.command = container.command.map((s) => expand(s, mapping));
  if (container.args !== undefined) out.args = container.args.map((s) => expand(s, mapping));
  return out;
}

/**
 * An exec probe's or hook's command against the container's *static* env values, as the kubelet's
 * ExpandContainerCommandOnlyStatic: valueFrom entries expand to '' (their static value) and
 * unknown references stay as written.
 */
export function expandStaticCommand(command: readonly string[], env: readonly EnvVar[] | undefined): string[] {
  const mapping = mappingFuncFor(new Map((env ?? []).map((e) => [e.name, e.value ?? ''])));
  return command.map((s) => expand(s, mapping));
}

/**
 * Expands a volumeMount's subPathExpr. Unlike command/args, a variable that is missing or empty
 * is an error (`missing value for A, B`), as in kubecontainer.ExpandContainerVolumeMounts.
 */
export function expandSubPathExpr(expr: string, env: readonly { name: string; value: string }[]): { value: string } | { error: string } {
  const vars = envMap(env);
  const missing = new Set<string>();
  const value = expand(expr, (name) => {
    const v = vars.get(name);
    if (v === undefined || v === '') missing.add(name);
    return v ?? '';
  });
  if (missing.size > 0) return { error: `missing value for ${[...missing].sort().join(', ')}` };
  return { value };
}
