// Service link variables, the kubelet way (pkg/kubelet/envvars FromServices and kubelet_pods.go
// getServiceEnvVarMap): every Service of the pod's namespace (when spec.enableServiceLinks, the
// default) plus the `kubernetes` Service of `default` (always, a "master service") with a cluster
// IP set gives FOO_SERVICE_HOST, FOO_SERVICE_PORT, FOO_SERVICE_PORT_<NAME> per named port and the
// Docker link variables FOO_PORT, FOO_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}. A Service of the
// pod's own namespace wins over default's of the same name. The pod's own env wins over these and
// `$(VAR)` sees them (resolve-env.ts); they are not part of the container hash.
import type { Pod, Service } from 'kubernetes-types/core/v1.d.ts';
import { isServiceIPSet } from '../../kube/cluster-network.ts';
import { ContainerConfigError } from './errors.ts';
import type { EnvVarValue } from './resolve-env.ts';

/** Services of `default` whose variables every pod gets, enableServiceLinks or not. */
export const MASTER_SERVICES: ReadonlySet<string> = new Set(['kubernetes']);

export const SERVICES_NOT_SYNCED = 'services have not yet been read at least once, cannot construct envvars';

/** What the env needs of the agent's Service cache (an informer's lister, all namespaces). */
export interface ServiceLister {
  /** True once the first list of Services has been read. */
  hasSynced(): boolean;
  /** Every cached Service, of every namespace. */
  list(): readonly Service[];
}


/** Upper case, dashes to underscores (upstream makeEnvVariableName). */
export function envVariableName(s: string): string {
  return s.replaceAll('-', '_').toUpperCase();
}

/** net.JoinHostPort: IPv6 addresses in brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${String(port)}` : `${host}:${String(port)}`;
}

function linkVariables(svc: Service, prefix: string, ip: string): EnvVarValue[] {
  const out: EnvVarValue[] = [];
  (svc.spec?.ports ?? []).forEach((sp, i) => {
    const protocol = sp.protocol === undefined || sp.protocol === '' ? 'TCP' : sp.protocol;
    const proto = protocol.toLowerCase();
    const url = `${proto}://${joinHostPort(ip, sp.port)}`;
    // Docker special-cases the first port.
    if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
    const portPrefix = `${prefix}_PORT_${String(sp.port)}_${protocol.toUpperCase()}`;
    out.push(
      { name: portPrefix, value: url },
      { name: `${portPrefix}_PROTO`, value: proto },
      { name: `${portPrefix}_PORT`, value: String(sp.port) },
      { name: `${portPrefix}_ADDR`, value: ip },
    );
  });
  return out;
}

/** The variables of these Services, in upstream's order (FromServices); no IP: skipped. */
export function serviceLinkVariables(services: readonly Service[]): EnvVarValue[] {
  const out: EnvVarValue[] = [];
  for (const svc of services) {
    if (!isServiceIPSet(svc)) continue;
    const ip = svc.spec?.clusterIP ?? '';
    const prefix = envVariableName(svc.metadata?.name ?? '');
    const ports = svc.spec?.ports ?? [];
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    const first = ports[0];
    // validation requires a port for every Service with a cluster IP; a malformed one gets none
    if (first !== undefined) out.push({ name: `${prefix}_SERVICE_PORT`, value: String(first.port) });
    for (const sp of ports) {
      if (sp.name !== undefined && sp.name !== '') out.push({ name: `${prefix}_SERVICE_PORT_${envVariableName(sp.name)}`, value: String(sp.port) });
    }
    out.push(...linkVariables(svc, prefix, ip));
  }
  return out;
}

/**
 * The service variables of a pod in `namespace` (getServiceEnvVarMap): default's master Services
 * always, the namespace's Services when enableServiceLinks; the namespace's win by name. Services
 * are taken in name order, so the result does not depend on the cache's order.
 */
export function serviceEnvMap(services: readonly Service[], namespace: string, enableServiceLinks: boolean): Record<string, string> {
  const byName = new Map<string, Service>();
  for (const svc of services) {
    if (!isServiceIPSet(svc)) continue;
    const name = svc.metadata?.name ?? '';
    const ns = svc.metadata?.namespace ?? '';
    if (ns === 'default' && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, svc);
    } else if (ns === namespace && enableServiceLinks) {
      byName.set(name, svc);
    }
  }
  const chosen = [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, svc]) => svc);
  const out: Record<string, string> = {};
  for (const v of serviceLinkVariables(chosen)) out[v.name] = v.value;
  return out;
}

/**
 * The service variables for a pod's containers. No lister (no API server): none, like a kubelet
 * without one. A pod from the API before the Service cache's first list: ContainerConfigError
 * (CreateContainerConfigError), so no pod starts without KUBERNETES_SERVICE_HOST; static pods
 * take what is cached.
 */
export function podServiceEnv(pod: Pod, services: ServiceLister | undefined, isStatic: boolean): Record<string, string> {
  if (services === undefined) return {};
  if (!isStatic && !services.hasSynced()) throw new ContainerConfigError(SERVICES_NOT_SYNCED);
  return serviceEnvMap(services.list(), pod.metadata?.namespace ?? 'default', pod.spec?.enableServiceLinks ?? true);
}
