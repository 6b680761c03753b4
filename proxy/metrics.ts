// The service proxy's Prometheus metrics (prom-client, own registry), after kube-proxy's
// sync_proxy_rules_* family: how long a sync takes (full or partial), when the last one
// succeeded, how many failed, and how many service ports have endpoints.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type SyncMode = 'full' | 'partial';

export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<'mode'>;
  private readonly lastSync: Gauge;
  private readonly failures: Counter;
  private readonly servicePorts: Gauge<'endpoints'>;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.duration = new Histogram({
      name: 'nodelet_proxy_sync_proxy_rules_duration_seconds', help: 'Time one sync of the service rules took, by full or partial sync.',
      labelNames: ['mode'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    });
    this.lastSync = new Gauge({ name: 'nodelet_proxy_sync_proxy_rules_last_timestamp_seconds', help: 'When the service rules were last written.', registers });
    this.failures = new Counter({ name: 'nodelet_proxy_sync_proxy_rules_failures_total', help: 'Syncs of the service rules that failed.', registers });
    this.servicePorts = new Gauge({
      name: 'nodelet_proxy_service_ports', help: 'Service ports programmed, with and without usable endpoints.', labelNames: ['endpoints'], registers,
    });
    if (opts.defaultMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  synced(mode: SyncMode, seconds: number, nowMs: number, served: number, unserved: number): void {
    this.duration.observe({ mode }, seconds);
    this.lastSync.set(nowMs / 1000);
    this.servicePorts.set({ endpoints: 'some' }, served);
    this.servicePorts.set({ endpoints: 'none' }, unserved);
  }

  failed(): void {
    this.failures.inc();
  }
}
