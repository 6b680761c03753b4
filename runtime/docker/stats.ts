// One-shot container stats: cumulative CPU time and the memory working set (what kubelet
// reports: usage minus inactive file cache), from cgroup v1 or v2 fields.
import type { ContainerStats } from '../types.ts';
import type { EngineContext } from './context.ts';
import { withDeadline } from './engine-errors.ts';

export interface EngineStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number | undefined> };
}

export function statsFrom(raw: EngineStats, now: number): ContainerStats {
  const usage = raw.memory_stats?.usage ?? 0;
  const s = raw.memory_stats?.stats ?? {};
  const inactive = s['total_inactive_file'] ?? s['inactive_file'] ?? 0;
  const read = raw.read === undefined ? NaN : Date.parse(raw.read);
  return {
    cpuUsageNanos: raw.cpu_stats?.cpu_usage?.total_usage ?? 0,
    memoryUsageBytes: Math.max(0, usage - inactive),
    timestamp: Number.isNaN(read) || read <= 0 ? now : read,
  };
}

export class DockerStats {
  constructor(private readonly ctx: EngineContext) {}

  async stats(containerId: string): Promise<ContainerStats> {
    // one-shot: no second sample (which would cost a second of waiting per call).
    const raw = await withDeadline(this.ctx.callTimeoutMs, `stats of ${containerId}`, 'ERR_RUNTIME', (abortSignal) =>
      this.ctx.docker.getContainer(containerId).stats({ stream: false, 'one-shot': true, abortSignal } as { stream: false }));
    return statsFrom(raw, this.ctx.clock.now());
  }
}
