// Runs one benchmark: open, warm up, N repetitions, close (always), then one result row per
// metric with median/min/max over the repetitions and the same for its peer.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../lib/log.ts';
import { summarize, type Summary } from './stats.ts';
import { SkipBenchmark, type Benchmark, type MetricSpec, type RunOptions, type Sample, type Target } from './types.ts';

export type Verdict = 'ok' | 'MISS' | '-';

export interface MetricResult {
  key: string;
  label: string;
  unit: string;
  better: MetricSpec['better'];
  summary: Summary;
  samples: number[];
  peer?: { key: string; label: string; summary: Summary; samples: number[] };
  /** median / peer median. */
  ratio?: number;
  target?: Target;
  verdict: Verdict;
}

export interface BenchResult {
  id: string;
  group: string;
  title: string;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  notes: string[];
  seconds: number;
  runs: number;
  metrics: MetricResult[];
}

/** Node names of every session opened in this process, for the final clean-up sweep. */
export const usedNodeNames = new Set<string>();

function check(op: string, actual: number, want: number): boolean {
  switch (op) {
    case '<': return actual < want;
    case '<=': return actual <= want;
    case '>': return actual > want;
    case '>=': return actual >= want;
    default: return false;
  }
}

function verdictOf(target: Target | undefined, median: number, ratio: number | undefined): Verdict {
  if (target === undefined) return '-';
  const actual = target.kind === 'ratio' ? ratio : median;
  if (actual === undefined || !Number.isFinite(actual)) return '-';
  return check(target.op, actual, target.value) ? 'ok' : 'MISS';
}

export function metricResults(specs: MetricSpec[], samples: Sample[]): MetricResult[] {
  const values = (key: string): number[] => samples.map((s) => s[key]).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const byKey = new Map(specs.map((m) => [m.key, m]));
  const out: MetricResult[] = [];
  for (const m of specs) {
    if (m.peerOnly === true) continue;
    const own = values(m.key);
    const summary = summarize(own);
    const r: MetricResult = { key: m.key, label: m.label, unit: m.unit, better: m.better, summary, samples: own, verdict: '-' };
    if (m.peer !== undefined) {
      const ps = values(m.peer);
      const peerSummary = summarize(ps);
      r.peer = { key: m.peer, label: byKey.get(m.peer)?.label ?? m.peer, summary: peerSummary, samples: ps };
      if (ps.length > 0 && own.length > 0 && peerSummary.median !== 0) r.ratio = summary.median / peerSummary.median;
    }
    if (m.target !== undefined) r.target = m.target;
    r.verdict = verdictOf(m.target, summary.median, r.ratio);
    out.push(r);
  }
  return out;
}

export interface RunContext {
  log: Logger;
  options: RunOptions;
  runId: string;
}

export async function runBenchmark(b: Benchmark, rc: RunContext): Promise<BenchResult> {
  const t0 = performance.now();
  const notes: string[] = [];
  const nodeName = `nodelet-bench-${rc.runId}-${b.id.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.slice(0, 63);
  usedNodeNames.add(nodeName);
  const runs = rc.options.runs ?? b.runs;
  const log = rc.log.child({ bench: b.id });
  const result = (status: BenchResult['status'], metrics: MetricResult[], reason?: string): BenchResult => ({
    id: b.id, group: b.group, title: b.title, status, notes, runs, metrics,
    seconds: (performance.now() - t0) / 1000,
    ...(reason === undefined ? {} : { reason }),
  });
  const samples: Sample[] = [];
  let session;
  try {
    session = await b.open({ log, options: rc.options, nodeName, note: (t) => { notes.push(t); } });
  } catch (err) {
    if (err instanceof SkipBenchmark) return result('skipped', [], err.message);
    log.error({ err }, 'benchmark could not start');
    return result('failed', [], err instanceof Error ? err.message : String(err));
  }
  try {
    for (let w = 0; w < (b.warmups ?? 1); w++) await session.iterate(-1 - w);
    for (let i = 0; i < runs; i++) {
      samples.push(await session.iterate(i));
      log.info({ run: i + 1, of: runs, sample: samples[samples.length - 1] }, 'sample');
    }
  } catch (err) {
    if (err instanceof SkipBenchmark) return result('skipped', [], err.message);
    log.error({ err }, 'benchmark failed');
    return result('failed', metricResults(b.metrics, samples), err instanceof Error ? err.message : String(err));
  } finally {
    try {
      await session.close();
    } catch (err) {
      log.warn({ err }, 'benchmark clean-up failed');
    }
  }
  return result('ok', metricResults(b.metrics, samples));
}
