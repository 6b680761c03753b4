// ClusterIP and node port allocation for Services, as kube-apiserver's Service REST storage does
// it (pkg/registry/core/service/storage/alloc.go) on a single-stack IPv4 cluster: a create takes
// the values it asks for (or random ones) from the ranges, an update takes or gives back what its
// type change needs, and a Service that is really gone gives everything back. The allocators
// live in memory: `attachServiceAllocation` rebuilds them from the stored Services when the
// server starts (what upstream's repair loops keep true) and hooks them into the Service store.
import type { Logger } from '../../lib/log.ts';
import { DEFAULT_NODE_PORT_RANGE, DEFAULT_SERVICE_CIDR, kubernetesServiceIP } from '../../kube/cluster-network.ts';
import { arr, isObj, num, o, objs, s, type Obj } from '../../kube/values.ts';
import { ApiError, fieldErrors as fe, type FieldError } from '../api/errors.ts';
import { goStringSlice, rawValueError } from '../kinds/core/common.ts';
import type { KubeObject } from '../storage/types.ts';
import { deepClone } from './object-meta.ts';
import { IPRangeAllocator, PortOperation, PortRangeAllocator, RangeAllocationError, type PortRange, type RandomInt } from './range-allocator.ts';
import type { Registry } from './registry.ts';
import { allOf, type WriteHooks, type WriteTransaction } from './write-hooks.ts';

export interface ServiceAllocationOptions {
  /** --service-cluster-ip-range (default 10.96.0.0/12). */
  serviceCIDR?: string;
  /** --service-node-port-range (default 30000-32767). */
  nodePortRange?: PortRange;
  random?: RandomInt;
}

const NONE = 'None';
const CLUSTER_FAMILY = 'IPv4';

const specOf = (svc: KubeObject): Obj => (isObj(svc['spec']) ? svc['spec'] : {});
const typeOf = (spec: Obj): string => s(spec['type']) || 'ClusterIP';
const clusterIPsOf = (spec: Obj): string[] => arr(spec['clusterIPs']).map(s);
const nameOf = (svc: KubeObject): string => s(o(svc['metadata'])['name']);
const isHeadless = (spec: Obj): boolean => clusterIPsOf(spec)[0] === NONE;
const needsNodePorts = (spec: Obj): boolean => typeOf(spec) === 'NodePort' || typeOf(spec) === 'LoadBalancer';
/** apiservice.NeedsHealthCheck. */
const needsHealthCheck = (spec: Obj): boolean => typeOf(spec) === 'LoadBalancer' && spec['externalTrafficPolicy'] === 'Local';
/** shouldAllocateNodePorts: NodePort always, LoadBalancer unless allocateLoadBalancerNodePorts is false. */
const shouldAllocateNodePorts = (spec: Obj): boolean =>
  typeOf(spec) === 'NodePort' || (typeOf(spec) === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] !== false);
const nodePortOf = (p: Obj): number => num(p['nodePort']) ?? 0;

/** collectServiceNodePorts: the node ports of the service's ports. */
function nodePortsOf(spec: Obj): number[] {
  return objs(spec['ports']).map(nodePortOf).filter((n) => n !== 0);
}

/** Every value a stored Service holds in the ranges. */
function heldIPs(spec: Obj): string[] {
  if (typeOf(spec) === 'ExternalName') return [];
  return clusterIPsOf(spec).filter((ip) => ip !== '' && ip !== NONE);
}

function heldPorts(spec: Obj): number[] {
  const ports = new Set(nodePortsOf(spec));
  const hc = num(spec['healthCheckNodePort']) ?? 0;
  if (hc !== 0) ports.add(hc);
  return [...ports];
}

const NOTHING: WriteTransaction = { commit: () => undefined, revert: () => undefined };

function rangeMessage(err: unknown): string {
  if (err instanceof RangeAllocationError) return err.message;
  throw err;
}

export class ServiceAllocator {
  readonly ips: IPRangeAllocator;
  readonly ports: PortRangeAllocator;

  constructor(o: ServiceAllocationOptions = {}) {
    this.ips = new IPRangeAllocator(o.serviceCIDR ?? DEFAULT_SERVICE_CIDR, o.random);
    this.ports = new PortRangeAllocator(o.nodePortRange ?? DEFAULT_NODE_PORT_RANGE, o.random);
  }

  /** The hooks for the Service store. */
  hooks(): WriteHooks {
    return {
      beginCreate: (obj, dryRun) => this.allocateCreate(obj, dryRun),
      beginUpdate: (next, current, dryRun) => this.allocateUpdate(next, current, dryRun),
      afterDelete: (obj) => { this.release(obj); },
    };
  }

  /**
   * Marks what the stored Services hold (the repair loops' view). Returns the problems found
   * (values outside the ranges, values held twice), which are left as they are.
   */
  restore(services: readonly KubeObject[]): string[] {
    const problems: string[] = [];
    for (const svc of services) {
      const spec = specOf(svc);
      const who = `${s(o(svc['metadata'])['namespace'])}/${nameOf(svc)}`;
      for (const ip of heldIPs(spec)) {
        if (!this.ips.contains(ip)) problems.push(`Cluster IP ${ip} of service ${who} is not within the service CIDR ${this.ips.rangeText}; please recreate the service`);
        else if (this.ips.has(ip)) problems.push(`Cluster IP ${ip} was assigned to multiple services; please recreate service ${who}`);
        else this.ips.allocate(ip);
      }
      for (const port of heldPorts(spec)) {
        if (!this.ports.contains(port)) problems.push(`Port ${port} of service ${who} is not within the port range ${this.ports.rangeText}; please recreate the service`);
        else if (this.ports.has(port)) problems.push(`Port ${port} was assigned to multiple services; please recreate service ${who}`);
        else this.ports.allocate(port);
      }
    }
    return problems;
  }

  /** A Service that is gone gives back its ClusterIPs, node ports and health check node port. */
  release(svc: KubeObject): void {
    const spec = specOf(svc);
    for (const ip of heldIPs(spec)) this.ips.release(ip);
    for (const port of heldPorts(spec)) this.ports.release(port);
  }

  /** allocateCreate: fills in spec.clusterIP(s), node ports and the health check node port. */
  allocateCreate(svc: KubeObject, dryRun: boolean): WriteTransaction {
    const spec = specOf(svc);
    const name = nameOf(svc);
    this.checkFamilies(spec, name);
    const ip = this.txnAllocClusterIP(spec, name, dryRun);
    try {
      const op = new PortOperation(this.ports, dryRun);
      try {
        if (needsNodePorts(spec)) this.initNodePorts(spec, name, op);
        if (needsHealthCheck(spec)) this.allocHealthCheckNodePort(spec, op);
      } catch (err) {
        op.revert();
        throw err;
      }
      return allOf([ip, op]);
    } catch (err) {
      ip.revert();
      throw err;
    }
  }

  /** allocateUpdate: what the change of type (or of ports) takes and gives back. */
  allocateUpdate(next: KubeObject, current: KubeObject, dryRun: boolean): WriteTransaction {
    const spec = specOf(next);
    const old = specOf(current);
    const name = nameOf(next);
    this.checkFamilies(spec, name);
    const ip = this.txnUpdateClusterIPs(spec, old, name, dryRun);
    try {
      return allOf([ip, this.txnUpdateNodePorts(spec, old, name, dryRun)]);
    } catch (err) {
      ip.revert();
      throw err;
    }
  }

  // ---- cluster IPs ---------------------------------------------------------------------------

  /**
   * The refusals of initIPFamilyFields that depend on the cluster's configuration: families and
   * dual-stack this single-stack IPv4 cluster does not have.
   */
  private checkFamilies(spec: Obj, name: string): void {
    if (typeOf(spec) === 'ExternalName') return;
    const selectorless = Object.keys(o(spec['selector'])).length === 0;
    if (s(spec['clusterIP']) === NONE && selectorless) return;
    const errs: FieldError[] = [];
    const ips = clusterIPsOf(spec);
    const families = arr(spec['ipFamilies']).map(s);
    if (s(spec['ipFamilyPolicy']) === 'RequireDualStack') {
      errs.push(fe.invalid('spec.ipFamilyPolicy', 'RequireDualStack', 'this cluster is not configured for dual-stack services'));
    }
    families.forEach((family, i) => {
      if (family === CLUSTER_FAMILY) return;
      const ip = ips[i];
      if (ip !== undefined && ip !== '' && ip !== NONE) {
        errs.push(rawValueError('FieldValueInvalid', `spec.clusterIPs[${i}]`, goStringSlice('string', ips), `${family} is not configured on this cluster`));
      } else {
        errs.push(fe.invalid(`spec.ipFamilies[${i}]`, family, 'not configured on this cluster'));
      }
    });
    if (errs.length > 0) throw ApiError.invalid('Service', name, errs);
  }

  /** allocClusterIPs: the address asked for, or a random one; undefined for ExternalName and headless. */
  private allocClusterIP(spec: Obj, name: string, dryRun: boolean): string | undefined {
    if (typeOf(spec) === 'ExternalName' || isHeadless(spec)) return undefined;
    const ips = clusterIPsOf(spec);
    const wanted = ips[0] ?? '';
    let ip: string;
    if (wanted === '') {
      try {
        ip = this.ips.allocateNext(dryRun);
      } catch (err) {
        throw ApiError.internal(new Error(`failed to allocate a serviceIP: ${rangeMessage(err)}`));
      }
    } else {
      try {
        this.ips.allocate(wanted, dryRun);
      } catch (err) {
        const detail = `failed to allocate IP ${wanted}: ${rangeMessage(err)}`;
        throw ApiError.invalid('Service', name, [rawValueError('FieldValueInvalid', 'spec.clusterIPs', goStringSlice('string', ips), detail)]);
      }
      ip = wanted;
    }
    spec['clusterIP'] = ip;
    spec['clusterIPs'] = [ip];
    return dryRun ? undefined : ip;
  }

  private txnAllocClusterIP(spec: Obj, name: string, dryRun: boolean): WriteTransaction {
    const ip = this.allocClusterIP(spec, name, dryRun);
    if (ip === undefined) return NOTHING;
    let done = false;
    return {
      commit: () => { done = true; },
      revert: () => {
        if (!done) this.ips.release(ip);
        done = true;
      },
    };
  }

  /** updateClusterIPs: ExternalName to another type allocates; to ExternalName releases, once stored. */
  private txnUpdateClusterIPs(spec: Obj, old: Obj, name: string, dryRun: boolean): WriteTransaction {
    if (typeOf(old) === 'ExternalName' && typeOf(spec) !== 'ExternalName') return this.txnAllocClusterIP(spec, name, dryRun);
    if (isHeadless(old)) return NOTHING;
    if (typeOf(old) !== 'ExternalName' && typeOf(spec) === 'ExternalName') {
      const released = heldIPs(old);
      if (dryRun || released.length === 0) return NOTHING;
      let done = false;
      return {
        commit: () => {
          if (!done) for (const ip of released) this.ips.release(ip);
          done = true;
        },
        revert: () => { done = true; },
      };
    }
    return NOTHING;
  }

  // ---- node ports ----------------------------------------------------------------------------

  private portInvalid(name: string, i: number, port: number, err: unknown): ApiError {
    return ApiError.invalid('Service', name, [fe.invalid(`spec.ports[${i}].nodePort`, port, rangeMessage(err))]);
  }

  private nextPort(op: PortOperation): number {
    try {
      return op.allocateNext();
    } catch (err) {
      throw ApiError.internal(new Error(`failed to allocate a nodePort: ${rangeMessage(err)}`));
    }
  }

  /** initNodePorts: ports with the same number (TCP and UDP, say) share one node port. */
  private initNodePorts(spec: Obj, name: string, op: PortOperation): void {
    const ports = objs(spec['ports']);
    const byServicePort = new Map<number, number>();
    ports.forEach((p, i) => {
      const nodePort = nodePortOf(p);
      if (nodePort === 0 && !shouldAllocateNodePorts(spec)) return;
      const port = num(p['port']) ?? 0;
      const shared = byServicePort.get(port) ?? 0;
      if (shared === 0) {
        const requested = ports.find((q) => (num(q['port']) ?? 0) === port && nodePortOf(q) !== 0);
        if (requested !== undefined) {
          const np = nodePortOf(requested);
          try {
            op.allocate(np);
          } catch (err) {
            throw this.portInvalid(name, i, np, err);
          }
          p['nodePort'] = np;
          byServicePort.set(port, np);
        } else {
          const np = this.nextPort(op);
          p['nodePort'] = np;
          byServicePort.set(port, np);
        }
      } else if (nodePort !== shared) {
        if (nodePort === 0) {
          p['nodePort'] = shared;
        } else {
          try {
            op.allocate(nodePort);
          } catch (err) {
            throw this.portInvalid(name, i, nodePort, err);
          }
        }
      }
    });
  }

  private allocHealthCheckNodePort(spec: Obj, op: PortOperation): void {
    const hc = num(spec['healthCheckNodePort']) ?? 0;
    if (hc !== 0) {
      try {
        op.allocate(hc);
      } catch (err) {
        throw ApiError.internal(new Error(`failed to allocate requested HealthCheck NodePort ${hc}: ${rangeMessage(err)}`));
      }
      return;
    }
    try {
      spec['healthCheckNodePort'] = op.allocateNext();
    } catch (err) {
      throw ApiError.internal(new Error(`failed to allocate a HealthCheck NodePort 0: ${rangeMessage(err)}`));
    }
  }

  /** txnUpdateNodePorts: releases wait for the write; allocations are undone when it fails. */
  private txnUpdateNodePorts(spec: Obj, old: Obj, name: string, dryRun: boolean): WriteTransaction {
    const op = new PortOperation(this.ports, dryRun);
    try {
      const toClusterIPOrExternalName = typeOf(spec) === 'ExternalName' || typeOf(spec) === 'ClusterIP';
      if (needsNodePorts(old) && toClusterIPOrExternalName) for (const p of nodePortsOf(old)) op.releaseDeferred(p);
      if (needsNodePorts(spec)) this.updateNodePorts(spec, old, name, op);
      const hadHealthCheck = needsHealthCheck(old);
      const wantsHealthCheck = needsHealthCheck(spec);
      if (!hadHealthCheck && wantsHealthCheck) this.allocHealthCheckNodePort(spec, op);
      else if (hadHealthCheck && !wantsHealthCheck) {
        const hc = num(old['healthCheckNodePort']) ?? 0;
        if (hc !== 0) op.releaseDeferred(hc);
      }
    } catch (err) {
      op.revert();
      throw err;
    }
    return op;
  }

  private updateNodePorts(spec: Obj, old: Obj, name: string, op: PortOperation): void {
    const oldPorts = nodePortsOf(old);
    const taken = new Set<number>();
    objs(spec['ports']).forEach((p, i) => {
      const nodePort = nodePortOf(p);
      if (nodePort === 0 && !shouldAllocateNodePorts(spec)) return;
      if (nodePort !== 0) {
        if (!oldPorts.includes(nodePort) && !taken.has(nodePort)) {
          try {
            op.allocate(nodePort);
          } catch (err) {
            throw this.portInvalid(name, i, nodePort, err);
          }
          taken.add(nodePort);
        }
      } else {
        p['nodePort'] = this.nextPort(op);
      }
    });
    const newPorts = nodePortsOf(spec);
    for (const p of oldPorts) if (!newPorts.includes(p)) op.releaseDeferred(p);
  }
}

/** What a Service stored before nodelet allocated lacks: a ClusterIP, node ports. */
function lacksAllocation(spec: Obj): boolean {
  if (typeOf(spec) !== 'ExternalName' && !isHeadless(spec) && clusterIPsOf(spec).length === 0) return true;
  if (needsNodePorts(spec) && shouldAllocateNodePorts(spec) && objs(spec['ports']).some((p) => nodePortOf(p) === 0)) return true;
  return needsHealthCheck(spec) && (num(spec['healthCheckNodePort']) ?? 0) === 0;
}

/**
 * Builds the allocators from the stored Services and attaches them to the Service store. Services
 * stored without the values (by a nodelet that did not allocate yet) get them now.
 */
export async function attachServiceAllocation(registry: Registry, options: ServiceAllocationOptions, log: Logger): Promise<ServiceAllocator> {
  const allocator = new ServiceAllocator(options);
  const store = registry.store('', 'v1', 'services');
  const { items } = await store.list(undefined);
  for (const problem of allocator.restore(items)) log.warn(problem);
  for (const svc of items) {
    if (!lacksAllocation(specOf(svc))) continue;
    const meta = o(svc['metadata']);
    const ns = s(meta['namespace']);
    const name = s(meta['name']);
    let txn: WriteTransaction = NOTHING;
    try {
      await store.guaranteedUpdate(ns, name, {}, (current) => {
        txn.revert();
        // as a create would: the values it holds are asked for again, the missing ones taken
        allocator.release(current);
        const next = deepClone(current);
        const spec = specOf(next);
        // the `kubernetes` Service's address is the range's first one, wherever it comes from
        if (ns === 'default' && name === 'kubernetes' && typeOf(spec) === 'ClusterIP' && clusterIPsOf(spec).length === 0) {
          const ip = kubernetesServiceIP(allocator.ips.cidr);
          spec['clusterIP'] = ip;
          spec['clusterIPs'] = [ip];
        }
        txn = allocator.allocateCreate(next, false);
        return next;
      });
      txn.commit();
      log.info({ service: `${ns}/${name}` }, 'allocated the values of a service stored without them');
    } catch (err) {
      txn.revert();
      allocator.restore([svc]);
      log.warn({ err, service: `${ns}/${name}` }, 'could not allocate the values of a stored service');
    }
  }
  store.setHooks(allocator.hooks());
  return allocator;
}
