// Downward API field paths (pkg/fieldpath and the kubelet's podFieldSelectorRuntimeValue):
// metadata.name/namespace/uid, metadata.labels / metadata.annotations (whole map or ['key']),
// and for env only: spec.nodeName, spec.serviceAccountName, status.hostIP(s), status.podIP(s).
import type { Pod } from 'kubernetes-types/core/v1.d.ts';

/** Go's %q for a string: double quotes, escapes for quotes, backslashes and non-printables. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (cp === 0x07) out += '\\a';
    else if (cp === 0x08) out += '\\b';
    else if (cp === 0x0c) out += '\\f';
    else if (cp === 0x0a) out += '\\n';
    else if (cp === 0x0d) out += '\\r';
    else if (cp === 0x09) out += '\\t';
    else if (cp === 0x0b) out += '\\v';
    else if (ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** A label/annotation map as the downward API renders it: sorted `key="value"` lines. */
export function formatMap(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.map((k) => `${k}=${goQuote(m?.[k] ?? '')}`).join('\n');
}

/** `metadata.labels['key']` → ['metadata.labels', 'key']. */
export function splitSubscriptedPath(fieldPath: string): [string, string] | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const s = fieldPath.slice(0, -2);
  const i = s.indexOf("['");
  if (i <= 0) return undefined;
  return [s.slice(0, i), s.slice(i + 2)];
}

export class FieldPathError extends Error {}

/** fieldpath.ExtractFieldPathAsString: the metadata paths valid in both env and volumes. */
export function extractFieldPathAsString(pod: Pod, fieldPath: string): string {
  const md = pod.metadata ?? {};
  const sub = splitSubscriptedPath(fieldPath);
  if (sub !== undefined) {
    const [path, key] = sub;
    if (path === 'metadata.annotations') return md.annotations?.[key] ?? '';
    if (path === 'metadata.labels') return md.labels?.[key] ?? '';
    throw new FieldPathError(`fieldPath ${goQuote(fieldPath)} does not support subscript`);
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(md.annotations);
    case 'metadata.labels':
      return formatMap(md.labels);
    case 'metadata.name':
      return md.name ?? '';
    case 'metadata.namespace':
      return md.namespace ?? '';
    case 'metadata.uid':
      return md.uid ?? '';
    default:
      throw new FieldPathError(`unsupported fieldPath: ${fieldPath}`);
  }
}

export interface PodRuntimeFields {
  /** Pod IPs, primary first (for hostNetwork pods: the node's IPs). */
  podIPs: readonly string[];
  /** Node IPs, primary first. */
  hostIPs: readonly string[];
}

/** The kubelet's podFieldSelectorRuntimeValue: runtime fields first, then the metadata paths. */
export function podFieldSelectorRuntimeValue(pod: Pod, fieldPath: string, rt: PodRuntimeFields): string {
  switch (fieldPath) {
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return rt.hostIPs[0] ?? '';
    case 'status.hostIPs':
      return rt.hostIPs.join(',');
    case 'status.podIP':
      return rt.podIPs[0] ?? '';
    case 'status.podIPs':
      return rt.podIPs.join(',');
    default:
      return extractFieldPathAsString(pod, fieldPath);
  }
}
