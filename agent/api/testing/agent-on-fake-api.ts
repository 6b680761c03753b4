// What the agent tests on the fake API client share: the host facts the fake node reports, and a
// stop that keeps the fake clock moving while the agent's workers wind down.
import type { FakeClock } from '../../../lib/clock.ts';
import type { Agent } from '../../agent.ts';
import type { HostFacts } from '../host-facts.ts';

export const TEST_HOST_FACTS: HostFacts = {
  cpus: 4, memoryBytes: 8 * 1024 ** 3, diskBytes: 100 * 1024 ** 3, osImage: 'test', kernelVersion: '6.1', operatingSystem: 'linux', architecture: 'amd64',
  containerRuntimeVersion: 'docker://27.3.1', machineID: 'm', systemUUID: 's', bootID: 'b',
};

/** Agent.stop() waits on the (fake) clock for busy workers: keep time moving meanwhile. */
export async function stopAgentOnFakeClock(a: Agent, clock: FakeClock): Promise<void> {
  const state = { done: false };
  const p = a.stop().finally(() => { state.done = true; });
  for (let i = 0; i < 100 && !state.done; i++) {
    await clock.step(1000);
    await new Promise((r) => setTimeout(r, 1));
  }
  await p;
}
