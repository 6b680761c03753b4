// The contract between the bench runner and one benchmark module. A benchmark opens a session
// (servers, runtimes, temp dirs), is asked for N samples (one per repetition), then closed, also
// on failure. Each sample is a flat record of numbers; the metrics say which keys become table
// rows and which key is a row's peer (the same work done another way, measured in the same run).
import type { Logger } from '../../lib/log.ts';

export type Better = 'lower' | 'higher';

/** ratio: median / peer median; value: the median itself. */
export type Target =
  | { kind: 'ratio'; op: '<=' | '>='; value: number }
  | { kind: 'value'; op: '<' | '<=' | '>' | '>='; value: number };

export interface MetricSpec {
  key: string;
  label: string;
  unit: string;
  better: Better;
  /** Key of the same work done another way (raw engine calls, another storage…). */
  peer?: string;
  target?: Target;
  /** Only ever shown as another row's peer. */
  peerOnly?: boolean;
}

export type Sample = Record<string, number>;

export interface RunOptions {
  /** Overrides every benchmark's default repetitions. */
  runs?: number;
  /** Pods per burst (default 50). */
  burst: number;
  /** Pods created for the list benchmark (default 10 000). */
  listPods: number;
  /** Watchers for the watch latency benchmark (default 100). */
  watchers: number;
  /** Pods in the steady-state probe benchmarks (default 100). */
  steadyPods: number;
  /** Length of the steady-state window in seconds (default 60). */
  steadySeconds: number;
  /** Write a V8 CPU profile of agent child processes into this folder (node --cpu-prof). */
  profileDir?: string;
}

export interface BenchContext {
  log: Logger;
  options: RunOptions;
  /** A node name unique to this benchmark run: labels (io.nodelet.node) every container it makes. */
  nodeName: string;
  /** A line of explanation shown under the table and kept in the JSON (how a figure was made). */
  note(text: string): void;
}

export interface BenchSession {
  /** One repetition; i < 0 is a warm-up whose sample is discarded. */
  iterate(i: number): Promise<Sample>;
  /** Releases everything the session made (containers by label, servers, temp dirs). */
  close(): Promise<void>;
}

export interface Benchmark {
  id: string;
  group: 'runtime' | 'api' | 'agent' | 'controllers' | 'services';
  title: string;
  /** Default repetitions (RunOptions.runs overrides). */
  runs: number;
  /** Warm-up repetitions before the counted ones (default 1). */
  warmups?: number;
  metrics: MetricSpec[];
  /** Throws SkipBenchmark when a prerequisite is missing. */
  open(ctx: BenchContext): Promise<BenchSession>;
}

/** A benchmark that cannot run here (missing tool, piece not wired yet): reported, not failed. */
export class SkipBenchmark extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipBenchmark';
  }
}
