// Test doubles for the proxy: Services and EndpointSlices as the API server returns them,
// informers the test fills, and a Host that records the commands it is given.
import type { Service, ServicePort as ApiServicePort } from 'kubernetes-types/core/v1.d.ts';
import type { Endpoint, EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import type { KubeObject, ResourceType } from '../kube/client/client.ts';
import type { EventHandlers, Informer, InformerSource, Lister } from '../kube/informers/types.ts';
import type { CommandResult, Host } from './host.ts';

export function service(name: string, spec: Partial<NonNullable<Service['spec']>> & { ports: ApiServicePort[] }, namespace = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { type: 'ClusterIP', ...spec } };
}

export function endpoint(ip: string, o: { ready?: boolean; serving?: boolean; terminating?: boolean; nodeName?: string } = {}): Endpoint {
  const conditions: NonNullable<Endpoint['conditions']> = {};
  if (o.ready !== undefined) conditions.ready = o.ready;
  if (o.serving !== undefined) conditions.serving = o.serving;
  if (o.terminating !== undefined) conditions.terminating = o.terminating;
  return { addresses: [ip], conditions, nodeName: o.nodeName ?? 'node-1' };
}

export function slice(serviceName: string, ports: { name?: string; port: number; protocol?: string }[], endpoints: Endpoint[], name = `${serviceName}-abc`, namespace = 'default'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    ports: ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP', ...(p.name === undefined ? {} : { name: p.name }) })),
    endpoints,
  };
}

/** An informer whose cache the test fills and whose handlers it fires. */
export class FakeInformer<T extends KubeObject> implements Informer<T>, Lister<T> {
  readonly items = new Map<string, T>();
  readonly handlers: EventHandlers<T>[] = [];
  readonly lister: Lister<T> = this;
  synced = true;

  addHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
    if (h.add !== undefined) for (const obj of this.items.values()) h.add(obj);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  get(namespace: string, name: string): T | undefined {
    return this.items.get(`${namespace}/${name}`);
  }

  list(namespace?: string): T[] {
    return [...this.items.values()].filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  }

  byOwner(): T[] {
    return [];
  }

  set(obj: T): void {
    const key = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const h of this.handlers) {
      if (old === undefined) h.add?.(obj);
      else h.update?.(old, obj);
    }
  }

  remove(obj: T): void {
    this.items.delete(`${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`);
    for (const h of this.handlers) h.delete?.(obj);
  }
}

export class FakeInformers implements InformerSource {
  private readonly byResource = new Map<string, FakeInformer<KubeObject>>();

  informer<T extends KubeObject>(r: ResourceType): FakeInformer<T> {
    let inf = this.byResource.get(r.resource);
    if (inf === undefined) {
      inf = new FakeInformer<KubeObject>();
      this.byResource.set(r.resource, inf);
    }
    return inf as unknown as FakeInformer<T>;
  }
}

/** A Host that records commands and answers from a script (iptables-save: empty tables). */
export class RecordingHost implements Host {
  readonly commands: { argv: string[]; stdin: string | undefined }[] = [];
  readonly sysctls = new Map<string, string>([['net.ipv4.conf.all.route_localnet', '0'], ['net.bridge.bridge-nf-call-iptables', '1']]);
  /** Make the next iptables-restore calls fail. */
  failRestores = 0;

  run(argv: string[], stdin?: string): Promise<CommandResult> {
    this.commands.push({ argv, stdin });
    if (argv[0] === 'iptables-restore' && this.failRestores > 0) {
      this.failRestores--;
      return Promise.resolve({ code: 1, stdout: '', stderr: 'iptables-restore: line 3 failed' });
    }
    if (argv[0] === 'conntrack') return Promise.resolve({ code: 127, stdout: '', stderr: 'not found' });
    if (argv[0] === 'ip' && argv[3] === 'addr') {
      return Promise.resolve({ code: 0, stdout: '2: eth0    inet 192.0.2.7/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever\n', stderr: '' });
    }
    if (argv[0] === 'iptables-save') return Promise.resolve({ code: 0, stdout: `*${argv[2] ?? 'nat'}\nCOMMIT\n`, stderr: '' });
    return Promise.resolve({ code: 0, stdout: '', stderr: '' });
  }

  readSysctl(key: string): Promise<string | undefined> {
    return Promise.resolve(this.sysctls.get(key));
  }

  writeSysctl(key: string, value: string): Promise<void> {
    this.sysctls.set(key, value);
    return Promise.resolve();
  }

  restores(): string[] {
    return this.commands.filter((c) => c.argv[0] === 'iptables-restore').map((c) => c.stdin ?? '');
  }
}
