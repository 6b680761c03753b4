// `npm run bench [-- options]`: runs the selected benchmarks, each repeated N times, prints
// benchmark | metric | median | min | max | peer median | ratio | target | verdict and writes the
// whole result (every sample) to bench/results/<timestamp>.json.
//
//   --only a,b        groups (runtime, api, agent, controllers, services) or benchmark ids / id prefixes
//   --runs N          repetitions for every benchmark (default: each benchmark's own)
//   --burst N         pods per burst (50)        --list-pods N   pods to list (10000)
//   --watchers N      watchers (100)             --steady-pods N pods with probes (100)
//   --steady-seconds N  steady-state window (60) --quick  small sizes, for development
//   --profile-agent   CPU profiles of the agent child (bench/results/profiles/*.cpuprofile)
//   --list            print the benchmarks and exit
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { cpus, hostname } from 'node:os';
import { createLogger } from '../lib/log.ts';
import { PROJECT_ROOT } from '../lib/paths.ts';
import { removeNodeContainers } from '../runtime/docker/test-support.ts';
import { DockerRuntime } from '../runtime/docker/docker-runtime.ts';
import { BENCHMARKS } from './benchmarks/index.ts';
import { renderNotes, renderTable, writeJson } from './framework/report.ts';
import { runBenchmark, usedNodeNames, type BenchResult } from './framework/runner.ts';
import type { Benchmark, RunOptions } from './framework/types.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    runs: { type: 'string' },
    burst: { type: 'string' },
    'list-pods': { type: 'string' },
    watchers: { type: 'string' },
    'steady-pods': { type: 'string' },
    'steady-seconds': { type: 'string' },
    quick: { type: 'boolean', default: false },
    'profile-agent': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
  strict: true,
});

function int(v: string | undefined, dflt: number, what: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${what} must be a positive integer, got ${v}`);
  return n;
}

const quick = values.quick;
const options: RunOptions = {
  burst: int(values.burst, quick ? 10 : 50, 'burst'),
  listPods: int(values['list-pods'], quick ? 1000 : 10_000, 'list-pods'),
  watchers: int(values.watchers, quick ? 20 : 100, 'watchers'),
  steadyPods: int(values['steady-pods'], quick ? 10 : 100, 'steady-pods'),
  steadySeconds: int(values['steady-seconds'], quick ? 10 : 60, 'steady-seconds'),
};
if (values['profile-agent']) options.profileDir = join(PROJECT_ROOT, 'bench', 'results', 'profiles');
const runs = values.runs === undefined ? (quick ? 3 : undefined) : int(values.runs, 1, 'runs');
if (runs !== undefined) options.runs = runs;

function selected(all: Benchmark[], only: string | undefined): Benchmark[] {
  if (only === undefined || only === '') return all;
  const wanted = only.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const picked = all.filter((b) => wanted.some((w) => b.group === w || b.id === w || b.id.startsWith(`${w}.`) || b.id.startsWith(w)));
  if (picked.length === 0) throw new Error(`--only ${only} matches no benchmark; known: ${all.map((b) => b.id).join(', ')}`);
  return picked;
}

function engineVersion(): string {
  try {
    return execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unavailable';
  }
}

async function sweep(): Promise<void> {
  // Whatever a failed or interrupted benchmark left behind, by this run's node labels only.
  if (usedNodeNames.size === 0) return;
  const docker = new DockerRuntime({ nodeName: 'nodelet-bench-sweep' }).docker;
  for (const n of usedNodeNames) await removeNodeContainers(docker, n).catch(() => 0);
}

async function main(): Promise<void> {
  if (values.list) {
    for (const b of BENCHMARKS) process.stdout.write(`${b.id.padEnd(28)} ${b.group.padEnd(8)} ${b.title}\n`);
    return;
  }
  const benches = selected(BENCHMARKS, values.only);
  const log = createLogger('bench', process.env['NODELET_LOG_LEVEL'] ?? 'warn');
  const startedAt = new Date();
  const runId = String(process.pid);
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted: cleaning up…\n');
    void sweep().finally(() => process.exit(130));
  });
  const results: BenchResult[] = [];
  try {
    for (const b of benches) {
      process.stderr.write(`▶ ${b.id}: ${b.title}\n`);
      const r = await runBenchmark(b, { log, options, runId });
      process.stderr.write(`  ${r.status}${r.reason === undefined ? '' : `: ${r.reason}`} (${r.seconds.toFixed(1)} s)\n`);
      results.push(r);
    }
  } finally {
    await sweep();
  }
  const doc = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    host: { hostname: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version, docker: engineVersion() },
    options,
    results,
  };
  const file = writeJson(join(PROJECT_ROOT, 'bench', 'results'), doc, startedAt);
  process.stdout.write(`\n${renderTable(results)}\n\n${renderNotes(results)}\n\nresults: ${file}\n`);
  if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
}

await main();
