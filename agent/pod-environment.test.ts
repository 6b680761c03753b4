import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../runtime/testing/fake-runtime.ts';
import type { ImageStatus, SandboxStatus } from '../runtime/types.ts';
import { DefaultPodEnvironment, type ContainerContext } from './pod-environment.ts';

const root = mkdtempSync(join(tmpdir(), 'nodelet-podenv-'));
afterAll(() => { rmSync(root, { recursive: true, force: true }); });

const runtime = new FakeRuntime();
const env = new DefaultPodEnvironment({ rootDir: root, logs: runtime, nodeIPs: ['192.168.0.10'], nodeHostname: 'node', allocatable: {}, memoryCapacityBytes: 1 << 30 });

function nonRootPod(name: string, image: string): { pod: Pod; container: Container } {
  const container: Container = { name: 'c', image, securityContext: { runAsNonRoot: true } };
  return { pod: { metadata: { name, namespace: 'ns', uid: `uid-${name}` }, spec: { containers: [container] } }, container };
}

function ctxFor(pod: Pod, image: ImageStatus): ContainerContext {
  const sandbox: SandboxStatus = {
    id: 'sb', pod: { name: pod.metadata?.name ?? '', namespace: 'ns', uid: pod.metadata?.uid ?? '' }, attempt: 0, state: 'ready',
    createdAt: 0, ips: ['10.88.0.2'], hostNetwork: false, labels: {}, annotations: {},
  };
  return {
    attempt: 0, restartCount: 0, sandbox, image, onEvent: () => undefined,
    sandboxConfig: { pod: sandbox.pod, attempt: 0, hostname: 'h', portMappings: [], namespaces: { network: 'pod', ipc: 'pod', pid: 'container' }, sysctls: {}, labels: {}, annotations: {} },
  };
}

async function imageOf(ref: string): Promise<ImageStatus> {
  const s = await runtime.imageStatus(ref);
  if (s === undefined) throw new Error(`no image ${ref}`);
  return s;
}

describe('DefaultPodEnvironment: runAsNonRoot uses the image user', () => {
  it('accepts an image with a numeric non-root USER', async () => {
    runtime.addImage('nonroot:1', { user: '65534' });
    const { pod, container } = nonRootPod('ok', 'nonroot:1');
    const config = await env.prepareContainer(pod, container, ctxFor(pod, await imageOf('nonroot:1')));
    expect(config.name).toBe('c');
  });

  it('rejects a root image (no USER, or USER 0) with the kubelet message as CreateContainerConfigError', async () => {
    runtime.addImage('root:1');
    runtime.addImage('zero:1', { user: '0:0' });
    for (const [name, ref] of [['noroot', 'root:1'], ['zero', 'zero:1']] as const) {
      const { pod, container } = nonRootPod(name, ref);
      const err = await env.prepareContainer(pod, container, ctxFor(pod, await imageOf(ref))).catch((e: unknown) => e);
      expect(err).toMatchObject({
        reason: 'CreateContainerConfigError',
        message: `container has runAsNonRoot and image will run as root (pod: "${name}_ns(uid-${name})", container: c)`,
      });
    }
  });

  it('rejects a non-numeric image user (cannot be verified)', async () => {
    runtime.addImage('named:1', { user: 'nobody' });
    const { pod, container } = nonRootPod('named', 'named:1');
    await expect(env.prepareContainer(pod, container, ctxFor(pod, await imageOf('named:1')))).rejects.toThrow('image has non-numeric user (nobody)');
  });
});
