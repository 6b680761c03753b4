// The agent's Prometheus metrics (prom-client, own registry): sync durations, pod start latency,
// running pods/containers, and PLEG relist/event counters. Names follow the kubelet's where one exists.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface RunningCounts {
  pods: number;
  containers: number;
}

export class AgentMetrics {
  /** Where the running pods/containers gauges read their values at scrape time. */
  countSource: (() => RunningCounts) | undefined;
  readonly registry = new Registry();
  readonly syncDuration: Histogram;
  readonly podStartDuration: Histogram;
  readonly runningPods: Gauge;
  readonly runningContainers: Gauge;
  readonly syncErrors: Counter;
  readonly plegEvents: Counter;
  readonly plegRelists: Counter;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.syncDuration = new Histogram({
      name: 'kubelet_pod_worker_duration_seconds', help: 'Duration in seconds to sync a single pod, by operation.',
      labelNames: ['operation'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    });
    this.podStartDuration = new Histogram({
      name: 'kubelet_pod_start_duration_seconds', help: 'Duration in seconds from the agent seeing a pod to all its containers running.',
      buckets: [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 300], registers,
    });
    const counts = (): RunningCounts => this.countSource?.() ?? { pods: 0, containers: 0 };
    this.runningPods = new Gauge({
      name: 'kubelet_running_pods', help: 'Number of pods that have a running pod sandbox.', registers,
      collect() { this.set(counts().pods); },
    });
    this.runningContainers = new Gauge({
      name: 'kubelet_running_containers', help: 'Number of containers currently running.', labelNames: ['container_state'], registers,
      collect() { this.set({ container_state: 'running' }, counts().containers); },
    });
    this.syncErrors = new Counter({ name: 'nodelet_pod_sync_errors_total', help: 'Pod syncs that failed and were retried.', registers });
    this.plegEvents = new Counter({ name: 'nodelet_pleg_events_total', help: 'Runtime lifecycle events received.', labelNames: ['type'], registers });
    this.plegRelists = new Counter({ name: 'nodelet_pleg_relists_total', help: 'Safety-net relists of the runtime.', registers });
    if (opts.defaultMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
