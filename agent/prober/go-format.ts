// Small formatters that reproduce how the kubelet (Go) prints values in events and messages, so
// users see the same strings from nodelet as from a kubelet.
import type { Pod } from 'kubernetes-types/core/v1.d.ts';

/** Go's %q for a string (strconv.Quote), shared with the API server's messages. */
export { goQuote } from '../../kube/go-quote.ts';

/** Go's %v for a time.Duration of whole or fractional seconds: 1s, 1.5s, 1m0s, 1h0m0s. */
export function goDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Number((seconds % 60).toFixed(9));
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** The kubelet's format.Pod: name_namespace(uid). */
export function formatPod(pod: Pod): string {
  const md = pod.metadata ?? {};
  return `${md.name ?? ''}_${md.namespace ?? ''}(${md.uid ?? ''})`;
}
