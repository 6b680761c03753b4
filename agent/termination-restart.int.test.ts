// Termination (activeDeadlineSeconds, graceful deletion), admission, bad manifests, and agent
// restarts that adopt running containers (same IDs, counts, readiness) and remove orphans.
import { access, readFile } from 'node:fs/promises';
import type { Container } from 'kubernetes-types/core/v1.d.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX, TestAgent, manifest } from './testing/agent-harness.ts';

let t: TestAgent;
beforeAll(async () => {
  t = await TestAgent.start({ tag: 'term', agent: { backoff: { initialMs: 2000, maxMs: 8000 } } });
});
afterAll(async () => {
  await t.close();
});

const sh = (script: string): Pick<Container, 'image' | 'command'> => ({ image: BUSYBOX, command: ['sh', '-c', script] });
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

describe('termination', () => {
  it('activeDeadlineSeconds: Failed with reason DeadlineExceeded, containers stopped', async () => {
    await t.writeManifest('deadline.yaml', manifest('deadline', { activeDeadlineSeconds: 3, terminationGracePeriodSeconds: 2, containers: [{ name: 'c', ...sh('sleep 600') }] }));
    await t.waitForReady('deadline');
    const st = await t.waitForPhase('deadline', 'Failed', 30_000);
    expect(st).toMatchObject({ reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
    await t.waitFor('container stopped', async () => (await t.dockerPs()).filter((c) => c.name.startsWith('k8s_c_deadline')).every((c) => c.state === 'exited'), 20_000);
    expect(t.status('deadline')?.containerStatuses?.[0]?.state?.terminated).toBeDefined();
    await t.removeManifest('deadline.yaml');
  });

  it('graceful deletion: SIGTERM within the grace period, then containers, sandbox and pod dir removed', async () => {
    const dir = `${t.rootDir}/graceful`;
    await t.writeManifest('graceful.yaml', manifest('graceful', {
      terminationGracePeriodSeconds: 20,
      volumes: [{ name: 'h', hostPath: { path: dir, type: 'DirectoryOrCreate' } }, { name: 'scratch', emptyDir: {} }],
      containers: [{ name: 'c', ...sh('trap "echo term > /h/term; exit 0" TERM; while true; do sleep 0.2; done'), volumeMounts: [{ name: 'h', mountPath: '/h' }, { name: 'scratch', mountPath: '/scratch' }] }],
    }));
    await t.waitForReady('graceful');
    const uid = t.pod('graceful')?.metadata?.uid ?? '';
    expect(await exists(`${t.rootDir}/pods/${uid}`)).toBe(true);
    const t0 = Date.now();
    await t.removeManifest('graceful.yaml');
    await t.waitFor('pod gone', () => t.pod('graceful') === undefined, 30_000, 100);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await readFile(`${dir}/term`, 'utf8')).trim()).toBe('term');
    expect((await t.dockerPs()).some((c) => c.name.includes('graceful'))).toBe(false);
    expect(await exists(`${t.rootDir}/pods/${uid}`)).toBe(false);
  });
});

describe('admission and bad manifests', () => {
  it('a pod for another OS is rejected: Failed PodOSNotSupported, nothing created', async () => {
    await t.writeManifest('win.yaml', manifest('win', { os: { name: 'windows' }, containers: [{ name: 'c', ...sh('true') }] }));
    const st = await t.waitForPhase('win', 'Failed', 20_000);
    expect(st.reason).toBe('PodOSNotSupported');
    expect((await t.dockerPs()).some((c) => c.name.includes('_win-'))).toBe(false);
    await t.removeManifest('win.yaml');
  });

  it('bad manifests are reported and skipped; good ones in the same folder run', async () => {
    await t.writeManifest('bad.yaml', 'kind: Pod\nmetadata: {name: ok-name}\nspec: {containers: []}\n');
    await t.writeManifest('good.yaml', manifest('good', { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', ...sh('sleep 600') }] }));
    await t.waitForReady('good');
    await t.waitFor('problem reported', () => t.agent.problems().find((p) => p.source.endsWith('bad.yaml')));
    expect(t.agent.problems().find((p) => p.source.endsWith('bad.yaml'))?.message).toBe('spec.containers: Required value');
    await t.removeManifest('bad.yaml');
    await t.removeManifest('good.yaml');
    await t.waitFor('good gone', () => t.pod('good') === undefined, 20_000);
  });
});

describe('agent restart', () => {
  it('adopts running containers without restarting them and keeps readiness, counts and back-off', async () => {
    await t.writeManifest('adopt.yaml', manifest('adopt', {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'web', ...sh('echo ok > /tmp/ready; sleep 600'), readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 30 } }],
    }));
    await t.writeManifest('crashy.yaml', manifest('crashy', { containers: [{ name: 'c', ...sh('exit 1') }] }));
    const before = await t.waitForReady('adopt', 40_000);
    await t.waitFor('crashy restarted twice', () => (t.status('crashy')?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 30_000);
    const crashBefore = t.status('crashy')?.containerStatuses?.[0]?.restartCount ?? 0;
    const readyBefore = before.conditions?.find((c) => c.type === 'Ready');
    const idBefore = before.containerStatuses?.[0]?.containerID;
    const psBefore = (await t.dockerPs()).filter((c) => c.state === 'running').map((c) => c.id).sort();

    // the orphan: its manifest disappears while the agent is down
    await t.writeManifest('orphan.yaml', manifest('orphan', { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', ...sh('sleep 600') }] }));
    await t.waitForReady('orphan');
    await t.agent.stop();
    await t.removeManifest('orphan.yaml');
    await t.restart();

    // first status after the restart: same container, still Ready (no flap), same transition time
    const after = await t.waitFor('adopt status', () => t.status('adopt'), 20_000, 20);
    expect(after.containerStatuses?.[0]?.containerID).toBe(idBefore);
    expect(after.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(after.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: readyBefore?.lastTransitionTime });
    expect(after.startTime).toBe(before.startTime);
    expect(t.events('adopt').filter((e) => /^(Created|Started|Killing)/.test(e))).toEqual([]);
    // restart counts continue; the crash loop is not reset to an immediate restart
    const crashAfter = await t.waitFor('crashy status', () => t.status('crashy')?.containerStatuses?.[0], 20_000, 20);
    expect(crashAfter.restartCount).toBeGreaterThanOrEqual(crashBefore);
    // orphan removed, adopted containers untouched
    await t.waitFor('orphan removed', async () => !(await t.dockerPs()).some((c) => c.name.includes('_orphan-')), 30_000);
    const psAfter = (await t.dockerPs()).filter((c) => c.state === 'running').map((c) => c.id);
    const adoptedIds = psBefore.filter((id) => !psAfter.includes(id));
    // only the orphan's (and possibly crashy's short-lived) containers may be gone
    expect(psAfter).toContain((idBefore ?? '').replace('docker://', ''));
    expect(adoptedIds.length).toBeLessThanOrEqual(3);
    await t.removeManifest('adopt.yaml');
    await t.removeManifest('crashy.yaml');
  });
});
