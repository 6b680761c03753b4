// Shared by the Docker runtime's integration tests and the bench: a runtime bound to a test-only
// node name, config builders with Kubernetes-like defaults, and clean-up by that node's label.
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { silentLogger } from '../../lib/log.ts';
import { LABEL_NODE_NAME } from '../labels.ts';
import type { ContainerConfig, LogChunk, PodRef, SandboxConfig } from '../types.ts';
import { DockerRuntime, type DockerRuntimeOptions } from './docker-runtime.ts';
import { BUSYBOX_IMAGE } from './local-images.ts';

export { freePort } from '../../lib/testing/wait.ts';

export const TEST_IMAGE = BUSYBOX_IMAGE;

export function testNodeName(tag: string): string {
  return `nodelet-test-${tag}-${process.pid}`;
}

export function testRuntime(nodeName: string, extra: Partial<DockerRuntimeOptions> = {}): DockerRuntime {
  return new DockerRuntime({ nodeName, log: silentLogger, ...extra });
}

/** Removes every container carrying io.nodelet.node=<nodeName> (never anything else). */
export async function removeNodeContainers(docker: Docker, nodeName: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${nodeName}`] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  return list.length;
}

export function newPod(name = 'pod'): PodRef {
  return { name, namespace: 'default', uid: randomUUID() };
}

export function sandboxConfig(pod: PodRef, over: Partial<SandboxConfig> = {}): SandboxConfig {
  return {
    pod,
    attempt: 0,
    hostname: pod.name,
    portMappings: [],
    namespaces: { network: 'pod', ipc: 'pod', pid: 'container' },
    sysctls: {},
    labels: { app: pod.name },
    annotations: {},
    ...over,
  };
}

export function containerConfig(name: string, over: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    name,
    attempt: 0,
    image: TEST_IMAGE,
    env: [],
    tty: false,
    stdin: false,
    stdinOnce: false,
    mounts: [],
    resources: {},
    security: {},
    labels: {},
    annotations: {},
    ...over,
  };
}

/** Sandbox plus started containers; returns their ids. */
export async function startPod(rt: DockerRuntime, sandbox: SandboxConfig, containers: ContainerConfig[]): Promise<{ sandboxId: string; ids: string[] }> {
  const sandboxId = await rt.runSandbox(sandbox);
  const ids: string[] = [];
  for (const c of containers) {
    const id = await rt.createContainer(sandboxId, c, sandbox);
    await rt.startContainer(id);
    ids.push(id);
  }
  return { sandboxId, ids };
}

export async function collectLogs(chunks: AsyncIterable<LogChunk>): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  for await (const c of chunks) {
    if (c.stream === 'stdout') stdout += c.data.toString();
    else stderr += c.data.toString();
  }
  return { stdout, stderr };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

