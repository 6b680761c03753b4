// The service proxy's executor: informers on Services, EndpointSlices and this Node feed a
// debounced sync that plans the whole ruleset (planner.ts) and writes it in one
// iptables-restore batch. Several changes within a few milliseconds make one sync, syncs are at
// least minSyncIntervalMs apart, and a periodic full sync repairs whatever someone else changed.
import type { Service, Node } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';
import { ENDPOINT_SLICES, NODES, SERVICES } from '../kube/client/resources.ts';
import type { Informer, InformerSource } from '../kube/informers/types.ts';
import type { Clock, Timer } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { DEFAULT_MASQUERADE_MARK } from './chains.ts';
import { clearUdpFlows, hasConntrack, staleUdpFlows, udpFlows, type UdpFlow } from './conntrack.ts';
import type { Host } from './host.ts';
import { applyPlan, restore } from './iptables.ts';
import type { ProxyMetrics, SyncMode } from './metrics.ts';
import { BRIDGE_NF_CALL_IPTABLES, decideMasquerade, enableRouteLocalnet } from './node-setup.ts';
import { planRules, renderPartial, writtenOf, type PlanOptions, type Written } from './planner.ts';
import { ensureServiceRoute } from './route.ts';
import { buildServicePorts } from './service-ports.ts';


export interface ServiceProxyOptions {
  informers: InformerSource;
  nodeName: string;
  host: Host;
  clock: Clock;
  log: Logger;
  serviceCidr: string;
  /** Where route_localnet's old value is kept for clean-up. */
  stateFile: string;
  /** Masquerade all Service traffic whatever br_netfilter says. */
  masqueradeAll?: boolean;
  /** Node ports on 127.0.0.1 (turns route_localnet on); default true. */
  localhostNodePorts?: boolean;
  /** 'local': node ports on every local address (default); 'node': on the Node's addresses. */
  nodePortAddresses?: 'local' | 'node';
  /** Quiet time gathering changes into one sync. */
  debounceMs?: number;
  minSyncIntervalMs?: number;
  /** Full resync even without changes. */
  syncPeriodMs?: number;
  /** Retry after a failed sync. */
  retryMs?: number;
  metrics?: ProxyMetrics;
}

export interface ProxyHealth {
  healthy: boolean;
  /** Epoch ms of the last successful sync, 0 before the first. */
  lastUpdated: number;
  now: number;
}

/** The IPv4 InternalIP/ExternalIP addresses of a Node. */
export function nodeAddresses(node: Node | undefined): string[] {
  const out: string[] = [];
  for (const a of node?.status?.addresses ?? []) {
    if ((a.type === 'InternalIP' || a.type === 'ExternalIP') && /^\d+\.\d+\.\d+\.\d+$/.test(a.address)) out.push(a.address);
  }
  return [...new Set(out)].sort();
}

export class ServiceProxy {
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly nodes: Informer<Node>;
  private planOptions: PlanOptions | undefined;
  private timer: Timer | undefined;
  private periodic: Timer | undefined;
  private running = false;
  private dirty = false;
  private stopped = false;
  private lastSyncStart = Number.NEGATIVE_INFINITY;
  private lastSuccess = 0;
  /** When a change arrived that no sync has written yet (undefined: none waiting). */
  private pendingSince: number | undefined;
  private flows: UdpFlow[] = [];
  private conntrack = false;
  private lastNodeAddresses = '';
  /** The rules the last successful sync left in place; undefined: the next sync is a full one. */
  private written: Written | undefined;
  private readonly syncedWaiters: (() => void)[] = [];
  private readonly debounceMs: number;
  private readonly minSyncIntervalMs: number;
  private readonly syncPeriodMs: number;
  private readonly retryMs: number;
  /** The last batch written (for tests and debugging). */
  lastBatch = '';
  syncCount = 0;

  constructor(private readonly o: ServiceProxyOptions) {
    this.services = o.informers.informer<Service>(SERVICES);
    this.slices = o.informers.informer<EndpointSlice>(ENDPOINT_SLICES);
    this.nodes = o.informers.informer<Node>(NODES);
    this.debounceMs = o.debounceMs ?? 10;
    this.minSyncIntervalMs = o.minSyncIntervalMs ?? 50;
    this.syncPeriodMs = o.syncPeriodMs ?? 30_000;
    this.retryMs = o.retryMs ?? 1000;
  }

  /**
   * Prepares the node (the service-range route before any rule can use it, masquerade decision,
   * route_localnet) and starts listening to the informers; the first sync follows their lists.
   */
  async start(): Promise<void> {
    const o = this.o;
    await ensureServiceRoute(o.host, o.serviceCidr);
    o.log.info({ serviceCidr: o.serviceCidr }, 'service range routed to the loopback device: Service packets never leave this host');
    const masq = decideMasquerade(await o.host.readSysctl(BRIDGE_NF_CALL_IPTABLES), o.masqueradeAll ?? false);
    o.log.info({ masqueradeAll: masq.masqueradeAll }, masq.reason);
    let localhostNodePorts = o.localhostNodePorts ?? true;
    if (localhostNodePorts && !(await enableRouteLocalnet(o.host, o.stateFile))) {
      o.log.warn('route_localnet cannot be set: node ports will not answer on 127.0.0.1');
      localhostNodePorts = false;
    }
    this.conntrack = await hasConntrack(o.host);
    if (!this.conntrack) o.log.info('conntrack tool not found: stale UDP flows are left to expire');
    this.planOptions = { serviceCidr: o.serviceCidr, masqueradeAll: masq.masqueradeAll, localhostNodePorts, masqueradeMark: DEFAULT_MASQUERADE_MARK };
    const onChange = { add: () => { this.requestSync(); }, update: () => { this.requestSync(); }, delete: () => { this.requestSync(); } };
    this.services.addHandler(onChange);
    this.slices.addHandler(onChange);
    // a Node changes every heartbeat: only its addresses matter here
    const onNode = (n: Node): void => {
      if (n.metadata?.name !== o.nodeName) return;
      const addrs = nodeAddresses(n).join(',');
      if (addrs === this.lastNodeAddresses) return;
      this.lastNodeAddresses = addrs;
      this.requestSync();
    };
    this.nodes.addHandler({ add: onNode, update: (_old, n) => { onNode(n); }, delete: onNode });
    this.armPeriodic();
    this.requestSync();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.periodic?.cancel();
  }

  /** Resolves after the first successful sync. */
  whenSynced(): Promise<void> {
    if (this.lastSuccess > 0) return Promise.resolve();
    return new Promise((resolve) => { this.syncedWaiters.push(resolve); });
  }

  /** kube-proxy's /healthz: healthy once synced, and no change has waited too long for a sync. */
  health(): ProxyHealth {
    const now = this.o.clock.now();
    const waitedTooLong = this.pendingSince !== undefined && now - this.pendingSince > 2 * this.syncPeriodMs;
    return { healthy: this.lastSuccess > 0 && !waitedTooLong, lastUpdated: this.lastSuccess, now };
  }

  /** A change happened: sync soon, gathering whatever else arrives meanwhile. */
  requestSync(): void {
    if (this.stopped) return;
    this.pendingSince ??= this.o.clock.now();
    if (this.running) {
      this.dirty = true;
      return;
    }
    if (this.timer !== undefined) return;
    const sinceLast = this.o.clock.now() - this.lastSyncStart;
    const delay = Math.max(this.debounceMs, this.minSyncIntervalMs - sinceLast);
    this.timer = this.o.clock.setTimer(delay, () => {
      this.timer = undefined;
      void this.syncNow();
    });
  }

  private armPeriodic(): void {
    this.periodic = this.o.clock.setTimer(this.syncPeriodMs, () => {
      // the periodic sync is a full one: it reads the tables and repairs what others changed
      this.written = undefined;
      this.requestSync();
      if (!this.stopped) this.armPeriodic();
    });
  }

  /** One sync: plan from the caches and write the batch (waits for the caches' first lists). */
  async syncNow(): Promise<void> {
    const opts = this.planOptions;
    if (opts === undefined || this.running || this.stopped) return;
    if (!this.services.hasSynced() || !this.slices.hasSynced()) {
      // the informers' first lists trigger adds, hence another request; poll meanwhile
      this.timer ??= this.o.clock.setTimer(this.retryMs / 10, () => { this.timer = undefined; void this.syncNow(); });
      return;
    }
    this.running = true;
    this.dirty = false;
    this.pendingSince = undefined;
    const started = this.o.clock.now();
    this.lastSyncStart = started;
    try {
      const node = this.nodes.lister.get('', this.o.nodeName);
      const ports = buildServicePorts(this.services.lister.list(), this.slices.lister.list(), this.o.nodeName);
      const plan = planRules({
        servicePorts: ports,
        options: this.o.nodePortAddresses === 'node' ? { ...opts, nodePortAddresses: nodeAddresses(node) } : opts,
      });
      // a full sync reads the tables (stale chains, missing jumps) and rewrites every chain; the
      // others write only what changed (1,000 Services: ~0.1 s instead of ~1 s with iptables-nft)
      const previous = this.written;
      this.written = undefined;
      const mode: SyncMode = previous === undefined ? 'full' : 'partial';
      const next = writtenOf(plan);
      if (previous === undefined) {
        this.lastBatch = await applyPlan(this.o.host, plan);
      } else {
        this.lastBatch = renderPartial(plan, previous, next);
        if (this.lastBatch !== '') await restore(this.o.host, this.lastBatch);
      }
      this.written = next;
      this.syncCount++;
      const flows = udpFlows(ports);
      const stale = staleUdpFlows(this.flows, flows);
      this.flows = flows;
      if (this.conntrack && stale.length > 0) await clearUdpFlows(this.o.host, stale);
      const first = this.lastSuccess === 0;
      this.lastSuccess = this.o.clock.now();
      const fields = { servicePorts: ports.length, served: plan.served, unserved: plan.unserved, ms: this.lastSuccess - started, mode };
      this.o.metrics?.synced(mode, (this.lastSuccess - started) / 1000, this.lastSuccess, plan.served, plan.unserved);
      if (first) this.o.log.info(fields, 'service rules written');
      else this.o.log.debug(fields, 'service rules written');
      for (const w of this.syncedWaiters.splice(0)) w();
    } catch (err) {
      this.o.log.error({ err }, 'writing service rules failed; retrying');
      this.o.metrics?.failed();
      this.pendingSince ??= started;
      this.timer ??= this.o.clock.setTimer(this.retryMs, () => { this.timer = undefined; this.requestSync(); });
    } finally {
      this.running = false;
    }
    if (this.changedDuringSync()) this.requestSync();
  }

  /** A change arrived while the last sync ran (read through a method: it is set asynchronously). */
  private changedDuringSync(): boolean {
    return this.dirty;
  }
}
