// Pod start through DockerRuntime vs. the docker CLI: one sandbox (pause) plus two busybox
// containers joined to it, created and started; median/min/max over RUNS runs after a warm-up.
// Run: npx tsx bench/runtime-pod-start.ts [runs]
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '../lib/log.ts';
import { LABEL_NODE_NAME } from '../runtime/labels.ts';
import { NODELET_PAUSE_IMAGE } from '../runtime/docker/local-images.ts';
import {
  TEST_IMAGE,
  containerConfig,
  newPod,
  removeNodeContainers,
  sandboxConfig,
  startPod,
  testRuntime,
} from '../runtime/docker/test-support.ts';

const RUNS = Number(process.argv[2] ?? 10);
const NODE = `nodelet-bench-${process.pid}`;
const LABEL = `${LABEL_NODE_NAME}=${NODE}`;

const rt = testRuntime(NODE, { log: silentLogger });

async function viaRuntime(i: number): Promise<void> {
  const sb = sandboxConfig(newPod(`bench-${i}`));
  await startPod(rt, sb, [
    containerConfig('a', { command: ['sleep', '600'] }),
    containerConfig('b', { command: ['sleep', '600'] }),
  ]);
}

function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

function viaCli(i: number): void {
  const pause = docker(['run', '-d', '--label', LABEL, '--ipc', 'shareable', '--name', `nodelet-bench-cli-${process.pid}-${i}`, NODELET_PAUSE_IMAGE]);
  for (let c = 0; c < 2; c++) {
    docker(['run', '-d', '--label', LABEL, '--network', `container:${pause}`, '--ipc', `container:${pause}`, TEST_IMAGE, 'sleep', '600']);
  }
}

interface Row { name: string; samples: number[] }

function summary(samples: number[]): { median: number; min: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { median, min: s[0] ?? 0, max: s[s.length - 1] ?? 0 };
}

async function measure(name: string, fn: (i: number) => Promise<void> | void): Promise<Row> {
  // Warm-up (first-use costs: infra image decision, page cache), not counted.
  await fn(-1);
  await removeNodeContainers(rt.docker, NODE);
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
    await removeNodeContainers(rt.docker, NODE);
  }
  return { name, samples };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  try {
    rows.push(await measure('DockerRuntime (sandbox + 2 containers)', viaRuntime));
    rows.push(await measure('docker CLI (run pause + 2× run --network container:)', viaCli));
  } finally {
    await removeNodeContainers(rt.docker, NODE);
  }
  const fmt = (n: number): string => n.toFixed(0).padStart(7);
  console.log(`\npod start, ${RUNS} runs each (ms)\n`);
  console.log(`${'path'.padEnd(56)} ${'median'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}`);
  for (const r of rows) {
    const s = summary(r.samples);
    console.log(`${r.name.padEnd(56)} ${fmt(s.median)} ${fmt(s.min)} ${fmt(s.max)}`);
  }
}

await main();
