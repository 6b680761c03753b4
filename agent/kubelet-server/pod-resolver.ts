// The streaming server's `resolve` backed by the agent's own pods: a request names namespace, pod
// and container; the pod (with the status the agent last generated) decides which container
// instance it is about, as the kubelet's GetPodByName + validateContainerLogStatus do. exec and
// attach then check that the instance runs (the server does that).
import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { resolveLogContainer } from './container-target.ts';
import type { ResolveResult } from './container-target.ts';
import type { ResolveContainer, ResolvePod } from './kubelet-server.ts';

export function podContainerResolver(pods: () => Pod[]): ResolveContainer {
  return (namespace, name, container, opts) => {
    const pod = pods().find((p) => (p.metadata?.namespace ?? 'default') === namespace && p.metadata?.name === name);
    const result: ResolveResult = pod === undefined
      ? { error: { code: 404, reason: 'NotFound', message: `pod "${name}" not found` } }
      : resolveLogContainer(pod, container, opts.previous);
    return Promise.resolve(result);
  };
}

/** The streaming server's `resolvePod` (port-forward) backed by the agent's own pods. */
export function podUidResolver(pods: () => Pod[]): ResolvePod {
  return (namespace, name) => {
    const pod = pods().find((p) => (p.metadata?.namespace ?? 'default') === namespace && p.metadata?.name === name);
    const uid = pod?.metadata?.uid;
    return Promise.resolve(uid === undefined || uid === '' ? undefined : { uid });
  };
}
