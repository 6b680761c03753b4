// runAsNonRoot decided by the image's USER on the real engine (security_context.go "should run
// with an image specified user ID" / "should not run without a specified user ID"), with an
// image built here FROM the local busybox with USER 65534 and removed afterwards.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX, TestAgent, manifest } from './testing/agent-harness.ts';

const NONROOT = `localhost/busybox-nonroot:local-${process.pid}`;

function docker(args: string[], input?: string): void {
  const r = spawnSync('docker', args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
}

let t: TestAgent | undefined;
beforeAll(async () => {
  docker(['build', '-q', '-t', NONROOT, '-'], `FROM ${BUSYBOX}\nUSER 65534\n`);
  t = await TestAgent.start({ tag: 'nonroot' });
});
afterAll(async () => {
  try {
    await t?.close();
  } finally {
    docker(['rmi', NONROOT]);
  }
});

function agent(): TestAgent {
  if (t === undefined) throw new Error('agent not started');
  return t;
}

describe('runAsNonRoot with the image user (integration)', () => {
  it('the runtime reports the image USER', async () => {
    expect((await agent().runtime.imageStatus(NONROOT))?.user).toBe('65534');
    expect((await agent().runtime.imageStatus(BUSYBOX))?.user ?? '').toBe('');
  });

  it('runs an image with a numeric non-root USER; runAsGroup alone keeps that user', async () => {
    const a = agent();
    await a.writeManifest('image-user.yaml', manifest('image-user', {
      restartPolicy: 'Never',
      containers: [{
        name: 'c', image: NONROOT, command: ['sh', '-c', 'test "$(id -u):$(id -g)" = 65534:1234'],
        securityContext: { runAsNonRoot: true, runAsGroup: 1234 },
      }],
    }));
    await a.waitForPhase('image-user', 'Succeeded');
    await a.removeManifest('image-user.yaml');
  });

  it('rejects a root image with CreateContainerConfigError and the kubelet message', async () => {
    const a = agent();
    await a.writeManifest('root-image.yaml', manifest('root-image', {
      restartPolicy: 'Never',
      containers: [{ name: 'c', image: BUSYBOX, command: ['true'], securityContext: { runAsNonRoot: true } }],
    }));
    const waiting = await a.waitFor('CreateContainerConfigError', () => {
      const w = a.status('root-image')?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === 'CreateContainerConfigError' ? w : undefined;
    });
    const pod = a.pod('root-image');
    const podId = `${pod?.metadata?.name ?? ''}_${pod?.metadata?.namespace ?? ''}(${pod?.metadata?.uid ?? ''})`;
    expect(waiting.message).toBe(`container has runAsNonRoot and image will run as root (pod: "${podId}", container: c)`);
    expect(a.events('root-image')).toContain(`Failed: Error: ${waiting.message}`);
    // Only the sandbox exists: no app container was created.
    expect((await a.dockerPs()).filter((c) => c.name.includes('root-image')).map((c) => c.name.split('_')[1])).toEqual(['POD']);
    await a.removeManifest('root-image.yaml');
  });
});
