import type { Pod } from 'kubernetes-types/core/v1.d.ts';
import { describe, expect, it } from 'vitest';
import { MemoryStatusSink, StatusManager } from './status-manager.ts';

const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' } };

describe('StatusManager', () => {
  it('caches and publishes only changes', async () => {
    const sink = new MemoryStatusSink();
    const m = new StatusManager(sink);
    m.set(pod, { phase: 'Pending' });
    m.set(pod, { phase: 'Pending' });
    m.set(pod, { phase: 'Running' });
    await m.flush();
    expect(sink.published.map((p) => p.status.phase)).toEqual(['Pending', 'Running']);
    expect(m.get('u')?.phase).toBe('Running');
  });

  it('retries on the next change after a sink failure', async () => {
    let fail = true;
    const published: string[] = [];
    const m = new StatusManager({
      publish: (_p, s) => {
        if (fail) { fail = false; return Promise.reject(new Error('down')); }
        published.push(s.phase ?? '');
        return Promise.resolve();
      },
      remove: () => Promise.resolve(),
    });
    m.set(pod, { phase: 'Pending' });
    await m.flush();
    m.set(pod, { phase: 'Pending' });
    await m.flush();
    expect(published).toEqual(['Pending']);
  });

  it('delete forgets the pod and informs the sink', async () => {
    const sink = new MemoryStatusSink();
    const m = new StatusManager(sink);
    m.set(pod, { phase: 'Running' });
    m.delete(pod);
    await m.flush();
    expect(m.all()).toEqual([]);
    expect(sink.removed).toEqual(['u']);
  });
});
