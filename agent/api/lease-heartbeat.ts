// The node Lease heartbeat (component-helpers apimachinery/lease/controller.go as the kubelet runs
// it): a coordination.k8s.io/v1 Lease in kube-node-lease named after the node, holderIdentity the
// node, leaseDurationSeconds 40, renewed every 10 s (0.25 × duration, 4 % jitter) with a PUT of the
// last returned Lease. An update that fails is retried up to 5 times; a conflict, or no Lease yet,
// falls back to ensureLease (GET, create on 404) with back-off 100 ms doubling to 7 s. The Lease
// gets an ownerReference to the Node once the Node exists.
import type { Lease } from 'kubernetes-types/coordination/v1.d.ts';
import type { Node } from 'kubernetes-types/core/v1.d.ts';
import { isClientConflict, isClientNotFound, LEASES, NODES } from '../../kube/client/client.ts';
import type { Clock, Timer } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { silentLogger } from '../../lib/log.ts';
import { errorText, type ApiClientLike } from '../../kube/client/client-like.ts';
import { RetryDelay } from './retry-delay.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const MAX_UPDATE_RETRIES = 5;

export interface LeaseHeartbeatOptions {
  client: ApiClientLike;
  nodeName: string;
  clock: Clock;
  log?: Logger;
  /** Default 40 s. */
  leaseDurationSeconds?: number;
  /** Default 0.25 × duration (10 s). */
  renewIntervalMs?: number;
  /** Fraction of jitter added to each interval (default 0.04). */
  jitter?: number;
  random?: () => number;
}

/** metav1.MicroTime: RFC 3339 with 6 fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaseHeartbeat {
  private latest: Lease | undefined;
  private timer: Timer | undefined;
  private stopped = true;
  private abort = new AbortController();
  private running: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly duration: number;
  private readonly interval: number;

  constructor(private readonly o: LeaseHeartbeatOptions) {
    this.log = o.log ?? silentLogger;
    this.duration = o.leaseDurationSeconds ?? 40;
    this.interval = o.renewIntervalMs ?? this.duration * 250;
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  /** The Lease as last written. */
  lease(): Lease | undefined {
    return this.latest;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.abort = new AbortController();
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.timer?.cancel();
    await this.running;
  }

  private tick(): void {
    this.running = this.sync().catch((err: unknown) => {
      if (!this.stopped) this.log.warn({ err: errorText(err) }, 'lease sync failed');
    }).finally(() => {
      if (this.stopped) return;
      const jitter = this.o.jitter ?? 0.04;
      const wait = Math.round(this.interval * (1 + jitter * (this.o.random ?? Math.random)()));
      this.timer = this.o.clock.setTimer(wait, () => { this.tick(); });
    });
  }

  /** One renewal (controller.sync): update the known Lease, else ensure it exists, then update. */
  async sync(): Promise<void> {
    if (this.latest !== undefined) {
      try {
        await this.retryUpdate(this.latest);
        return;
      } catch (err) {
        this.log.info({ err: errorText(err) }, 'failed to update lease using latest lease, fallback to ensure lease');
      }
    }
    const { lease, created } = await this.backoffEnsure();
    if (lease === undefined) return;
    this.latest = lease;
    if (created) return;
    await this.retryUpdate(lease);
  }

  private async backoffEnsure(): Promise<{ lease: Lease | undefined; created: boolean }> {
    const delay = new RetryDelay({ initialMs: 100, maxMs: 7000 });
    while (!this.stopped) {
      try {
        return await this.ensure();
      } catch (err) {
        const wait = delay.next();
        this.log.warn({ err: errorText(err), retryInMs: wait }, 'failed to ensure lease exists, will retry');
        if (this.isStopped()) break;
        try {
          await this.o.clock.sleep(wait, this.abort.signal);
        } catch {
          break;
        }
      }
    }
    return { lease: undefined, created: false };
  }

  private async ensure(): Promise<{ lease: Lease; created: boolean }> {
    try {
      return { lease: await this.o.client.get<Lease>(LEASES, NODE_LEASE_NAMESPACE, this.o.nodeName), created: false };
    } catch (err) {
      if (!isClientNotFound(err)) throw err;
    }
    const lease = await this.withOwner({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.o.nodeName, namespace: NODE_LEASE_NAMESPACE },
      spec: { holderIdentity: this.o.nodeName, leaseDurationSeconds: this.duration, renewTime: microTime(this.o.clock.now()) },
    });
    const created = await this.o.client.create<Lease>(LEASES, NODE_LEASE_NAMESPACE, lease);
    this.log.info({ node: this.o.nodeName }, 'created node lease');
    return { lease: created, created: true };
  }

  private async retryUpdate(base: Lease): Promise<void> {
    let lastErr: unknown;
    for (let i = 0; i < MAX_UPDATE_RETRIES; i++) {
      const next = await this.withOwner({
        ...base,
        spec: { ...base.spec, holderIdentity: this.o.nodeName, leaseDurationSeconds: this.duration, renewTime: microTime(this.o.clock.now()) },
      });
      try {
        this.latest = await this.o.client.update<Lease>(LEASES, NODE_LEASE_NAMESPACE, next);
        return;
      } catch (err) {
        lastErr = err;
        // Someone else changed the Lease (or it is gone): re-read it instead of retrying blind.
        if (isClientConflict(err) || isClientNotFound(err)) throw err;
        this.log.warn({ err: errorText(err), attempt: i + 1 }, 'failed to update lease');
        if (this.stopped) break;
      }
    }
    throw lastErr;
  }

  /** setNodeOwnerFunc: the Node as owner, once the Node exists. */
  private async withOwner(lease: Lease): Promise<Lease> {
    if ((lease.metadata?.ownerReferences ?? []).length > 0) return lease;
    try {
      const node = await this.o.client.get<Node>(NODES, undefined, this.o.nodeName);
      const uid = node.metadata?.uid;
      if (uid === undefined) return lease;
      return {
        ...lease,
        metadata: { ...lease.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, uid }] },
      };
    } catch (err) {
      this.log.debug({ err: errorText(err) }, 'node not available to own the lease yet');
      return lease;
    }
  }
}
