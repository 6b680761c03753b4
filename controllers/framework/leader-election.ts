// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it for
// kube-controller-manager: acquire when the lease is free, expired or already ours; renew every
// retry period; step down (and stop the controllers) if renewal fails for renewDeadline. The
// identity is stable per state directory, so an instance restarted after kill -9 takes its own lease
// back at once instead of waiting out the lease duration.
import type { Lease } from 'kubernetes-types/coordination/v1.d.ts';
import { isClientAlreadyExists, isClientConflict, isClientNotFound, type ApiClient } from '../../kube/client/client.ts';
import { LEASES } from '../../kube/client/resources.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';

export interface LeaderElectionOptions {
  client: ApiClient;
  clock: Clock;
  log: Logger;
  identity: string;
  namespace?: string;
  name?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/** Read through a call: the signal changes while this module awaits. */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export type LeaseDecision = 'acquire' | 'renew' | 'wait';

/** Whether identity may take (or keep) the lease now. Pure. */
export function leaseDecision(lease: Lease | undefined, identity: string, now: number): LeaseDecision {
  const spec = lease?.spec;
  if (spec?.holderIdentity === undefined || spec.holderIdentity === '') return 'acquire';
  if (spec.holderIdentity === identity) return 'renew';
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  const durationMs = (spec.leaseDurationSeconds ?? 15) * 1000;
  if (Number.isNaN(renewed) || renewed + durationMs < now) return 'acquire';
  return 'wait';
}

export class LeaderElector {
  private leading = false;

  constructor(private readonly o: LeaderElectionOptions) {}

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Waits until this instance leads, calls onStarted, then renews until signal aborts or
   * leadership is lost (then onStopped is called and run resolves).
   */
  async run(signal: AbortSignal, onStarted: () => void, onStopped: () => void): Promise<void> {
    const retry = this.o.retryPeriodMs ?? 2000;
    for (;;) {
      if (aborted(signal)) break;
      const outcome = await this.tryAcquireOrRenew();
      if (outcome === 'ok') break;
      // A lease held by another is looked at again each retry period; an API server that does
      // not answer yet (starting beside us) soon.
      await this.o.clock.sleep(outcome === 'held' ? retry : Math.min(retry, 100), signal).catch(() => undefined);
    }
    if (aborted(signal)) return;
    this.leading = true;
    this.o.log.info({ identity: this.o.identity }, 'became leader');
    onStarted();
    let lastRenew = this.o.clock.now();
    while (!aborted(signal)) {
      await this.o.clock.sleep(retry, signal).catch(() => undefined);
      if (aborted(signal)) break;
      if (await this.tryAcquireOrRenew() === 'ok') lastRenew = this.o.clock.now();
      else if (this.o.clock.now() - lastRenew > (this.o.renewDeadlineMs ?? 10_000)) {
        this.o.log.error({ identity: this.o.identity }, 'leader election lost');
        break;
      }
    }
    this.leading = false;
    onStopped();
  }

  private async tryAcquireOrRenew(): Promise<'ok' | 'held' | 'error'> {
    const ns = this.o.namespace ?? 'kube-system';
    const name = this.o.name ?? 'kube-controller-manager';
    const now = this.o.clock.now();
    const seconds = Math.round((this.o.leaseDurationMs ?? 15_000) / 1000);
    try {
      let lease: Lease | undefined;
      try {
        lease = await this.o.client.get<Lease>(LEASES, ns, name);
      } catch (err) {
        if (!isClientNotFound(err)) throw err;
      }
      const decision = leaseDecision(lease, this.o.identity, now);
      if (decision === 'wait') return 'held';
      const spec = {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: seconds,
        acquireTime: decision === 'renew' ? lease?.spec?.acquireTime ?? microTime(now) : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (decision === 'acquire' && lease !== undefined ? 1 : 0),
      };
      if (lease === undefined) {
        await this.o.client.create<Lease>(LEASES, ns, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: ns }, spec });
      } else {
        await this.o.client.update<Lease>(LEASES, ns, { ...lease, spec });
      }
      return 'ok';
    } catch (err) {
      // Another instance wrote the lease first: it holds it.
      if (isClientConflict(err) || isClientAlreadyExists(err)) return 'held';
      this.o.log.debug({ err }, 'leader election: lease not written');
      return 'error';
    }
  }
}
