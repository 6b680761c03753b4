// Pod creates per second through HTTPS with ApiClient: one client sending one create at a time,
// and 8 clients (own connection each) doing the same concurrently. sqlite's peer is memory.
import { performance } from 'node:perf_hooks';
import { PODS } from '../../kube/client/client.ts';
import type { Benchmark, Sample } from '../framework/types.ts';
import { BENCH_NAMESPACE, benchPod, openServers, type BenchServer } from './api-servers.ts';

const SEQUENTIAL = 200;
const CONCURRENT_CLIENTS = 8;
const PER_CLIENT = 50;

async function sequential(s: BenchServer, tag: string): Promise<number> {
  const c = s.client();
  try {
    const t0 = performance.now();
    for (let k = 0; k < SEQUENTIAL; k++) await c.create(PODS, BENCH_NAMESPACE, benchPod(`${tag}-${k}`));
    return SEQUENTIAL / ((performance.now() - t0) / 1000);
  } finally {
    c.close();
  }
}

async function concurrent(s: BenchServer, tag: string): Promise<number> {
  const clients = Array.from({ length: CONCURRENT_CLIENTS }, () => s.client());
  try {
    // One request each first, so TLS handshakes are not timed.
    await Promise.all(clients.map((c) => c.list(PODS, BENCH_NAMESPACE, { limit: 1 })));
    const t0 = performance.now();
    await Promise.all(clients.map(async (c, ci) => {
      for (let k = 0; k < PER_CLIENT; k++) await c.create(PODS, BENCH_NAMESPACE, benchPod(`${tag}-c${ci}-${k}`));
    }));
    return (CONCURRENT_CLIENTS * PER_CLIENT) / ((performance.now() - t0) / 1000);
  } finally {
    for (const c of clients) c.close();
  }
}

export const apiWrites: Benchmark = {
  id: 'api.writes',
  group: 'api',
  title: 'pod creates/s through HTTPS: 1 sequential client, 8 concurrent clients',
  runs: 5,
  metrics: [
    { key: 'memory.seq', label: 'memory: sequential', unit: 'writes/s', better: 'higher' },
    { key: 'memory.conc', label: `memory: ${CONCURRENT_CLIENTS} clients`, unit: 'writes/s', better: 'higher' },
    { key: 'sqlite.seq', label: 'sqlite: sequential', unit: 'writes/s', better: 'higher', peer: 'memory.seq' },
    { key: 'sqlite.conc', label: `sqlite: ${CONCURRENT_CLIENTS} clients`, unit: 'writes/s', better: 'higher', peer: 'memory.conc' },
  ],
  async open(ctx) {
    const { servers, close } = await openServers();
    ctx.note(`sequential: ${SEQUENTIAL} creates, one at a time (first request's TLS handshake included); concurrent: ${CONCURRENT_CLIENTS} clients × ${PER_CLIENT} creates, handshakes untimed; sqlite is WAL + synchronous=FULL (a write is acknowledged after fsync)`);
    return {
      async iterate(i) {
        const sample: Sample = {};
        const tag = `w${i < 0 ? 'warm' : String(i)}`;
        for (const kind of ['memory', 'sqlite'] as const) {
          sample[`${kind}.seq`] = await sequential(servers[kind], `${tag}-seq`);
          sample[`${kind}.conc`] = await concurrent(servers[kind], `${tag}-conc`);
        }
        return sample;
      },
      close,
    };
  },
};
