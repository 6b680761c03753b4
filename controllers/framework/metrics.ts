// The controller manager's Prometheus metrics (prom-client, own registry), named as
// kube-controller-manager's workqueue metrics are: queue depth, adds, retries and work durations
// per controller, plus leadership.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly depth: Gauge;
  readonly retries: Counter;
  readonly workDuration: Histogram;
  readonly leader: Gauge;
  /** Where the depth gauge reads each controller's queue length at scrape time. */
  depthSource: (() => Record<string, number>) | undefined;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const depths = (): Record<string, number> => this.depthSource?.() ?? {};
    this.depth = new Gauge({
      name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers,
      collect() { for (const [name, n] of Object.entries(depths())) this.set({ name }, n); },
    });
    this.retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers });
    this.workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes.', labelNames: ['name'],
      buckets: [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers,
    });
    this.leader = new Gauge({ name: 'leader_election_master_status', help: 'Whether this instance is the leader (1) or not (0).', labelNames: ['name'], registers });
    if (opts.defaultMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  synced(controller: string, ms: number, failed: boolean): void {
    this.workDuration.observe({ name: controller }, ms / 1000);
    if (failed) this.retries.inc({ name: controller });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
