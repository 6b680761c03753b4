// The printed table and the JSON file of a bench run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult, MetricResult } from './runner.ts';
import type { Target } from './types.ts';

export function formatNumber(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 10) return v.toFixed(2);
  return v.toFixed(3);
}

export function formatTarget(t: Target | undefined, unit: string): string {
  if (t === undefined) return '-';
  return t.kind === 'ratio' ? `ratio ${t.op} ${t.value}` : `${t.op} ${t.value} ${unit}`;
}

function metricRow(b: BenchResult, m: MetricResult, first: boolean): string[] {
  return [
    first ? b.id : '',
    `${m.label} (${m.unit})`,
    formatNumber(m.summary.median),
    formatNumber(m.summary.min),
    formatNumber(m.summary.max),
    m.peer === undefined ? '-' : `${formatNumber(m.peer.summary.median)} ${m.peer.label}`,
    m.ratio === undefined ? '-' : `${m.ratio.toFixed(2)}x`,
    formatTarget(m.target, m.unit),
    m.verdict,
  ];
}

/** Long reasons stay out of the table (they are in the notes and the JSON). */
function short(reason: string): string {
  const first = reason.split('\n')[0] ?? '';
  return first.length > 60 ? `${first.slice(0, 57)}...` : first;
}

export function renderTable(results: BenchResult[]): string {
  const header = ['benchmark', 'metric', 'median', 'min', 'max', 'peer median', 'ratio', 'target', 'verdict'];
  const rows: string[][] = [];
  for (const b of results) {
    if (b.status !== 'ok' && b.metrics.length === 0) {
      rows.push([b.id, `${b.status}: ${short(b.reason ?? '')}`, '', '', '', '', '', '', b.status === 'failed' ? 'FAIL' : 'skip']);
      continue;
    }
    b.metrics.forEach((m, i) => rows.push(metricRow(b, m, i === 0)));
    if (b.status === 'failed') rows.push(['', `failed: ${short(b.reason ?? '')}`, '', '', '', '', '', '', 'FAIL']);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const numeric = new Set([2, 3, 4, 6]);
  const line = (r: string[]): string => r.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join(' | ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('-|-');
  return [line(header), sep, ...rows.map(line)].join('\n');
}

export function renderNotes(results: BenchResult[]): string {
  const out: string[] = [];
  for (const b of results) {
    const runs = b.status === 'ok' ? `${b.runs} runs, ${b.seconds.toFixed(1)} s` : `${b.seconds.toFixed(1)} s`;
    out.push(`- ${b.id} — ${b.title} (${runs})`);
    if (b.reason !== undefined) out.push(`    ${b.status}: ${b.reason}`);
    for (const n of b.notes) out.push(`    ${n}`);
  }
  return out.join('\n');
}

export function writeJson(dir: string, doc: unknown, startedAt: Date): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
