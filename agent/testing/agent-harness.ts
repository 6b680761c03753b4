// Integration-test harness: an Agent in-process on the real Docker engine with a temp manifest
// folder, a unique node name and root dir; helpers to write/remove manifests, wait for pod
// states, restart the agent, and clean up every container of that node by label.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.d.ts';
import { stringify } from 'yaml';
import { silentLogger } from '../../lib/log.ts';
import type { Logger } from '../../lib/log.ts';
import { LABEL_NODE_NAME } from '../../runtime/labels.ts';
import { createDockerRuntime } from '../../runtime/docker/docker-runtime.ts';
import type { Runtime } from '../../runtime/types.ts';
import type { AgentOptions } from '../agent.ts';
import { Agent } from '../agent.ts';
import { defaultTmpfsMounter } from '../volumes/tmpfs.ts';

const run = promisify(execFile);

export const BUSYBOX = 'localhost/busybox:local';

export interface TestAgentOptions {
  tag: string;
  agent?: Partial<AgentOptions>;
  log?: Logger;
}

/** Removes every container labelled with this node name (never anything else). */
export async function removeNodeContainers(nodeName: string): Promise<void> {
  const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=${LABEL_NODE_NAME}=${nodeName}`]);
  const ids = stdout.split('\n').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length > 0) await run('docker', ['rm', '-f', '-v', ...ids]).catch(() => undefined);
}

export class TestAgent {
  agent: Agent;
  readonly runtime: Runtime;
  private constructor(
    readonly nodeName: string,
    readonly manifestDir: string,
    readonly rootDir: string,
    private readonly opts: TestAgentOptions,
  ) {
    this.runtime = createDockerRuntime({ nodeName, log: opts.log ?? silentLogger });
    this.agent = this.newAgent();
  }

  static async start(opts: TestAgentOptions): Promise<TestAgent> {
    const nodeName = `nodelet-it-${opts.tag}-${process.pid}`;
    const base = await mkdtemp(join(tmpdir(), `nodelet-${opts.tag}-`));
    const t = new TestAgent(nodeName, join(base, 'manifests'), join(base, 'root'), opts);
    await import('node:fs/promises').then((fs) => fs.mkdir(t.manifestDir, { recursive: true }));
    await t.agent.start();
    return t;
  }

  private newAgent(): Agent {
    return new Agent({
      nodeName: this.nodeName,
      rootDir: this.rootDir,
      runtime: this.runtime,
      manifestDir: this.manifestDir,
      log: this.opts.log ?? silentLogger,
      relistMs: 5000,
      manifestRescanMs: 500,
      resyncIntervalMs: 5000,
      syncErrorRetryMs: 2000,
      stateSaveMs: 500,
      ...this.opts.agent,
    });
  }

  /** Static pod name for a manifest pod name. */
  podName(name: string): string {
    return `${name}-${this.nodeName}`;
  }

  async writeManifest(file: string, pod: Pod | string): Promise<void> {
    await writeFile(join(this.manifestDir, file), typeof pod === 'string' ? pod : stringify(pod));
  }

  async removeManifest(file: string): Promise<void> {
    await unlink(join(this.manifestDir, file));
  }

  pod(name: string): Pod | undefined {
    return this.agent.podList().find((p) => p.metadata?.name === this.podName(name));
  }

  status(name: string): PodStatus | undefined {
    return this.pod(name)?.status;
  }

  events(name: string): string[] {
    const uid = this.pod(name)?.metadata?.uid;
    if (uid === undefined) return [];
    return this.agent.events.list(uid).map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
  }

  /** Polls until fn returns a value that is not undefined/false. */
  async waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await fn();
        if (v !== undefined && v !== false) return v;
        last = v;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  waitForPhase(name: string, phase: string, timeoutMs = 60_000): Promise<PodStatus> {
    return this.waitFor(`${name} phase ${phase}`, () => {
      const s = this.status(name);
      return s?.phase === phase ? s : undefined;
    }, timeoutMs);
  }

  waitForReady(name: string, timeoutMs = 60_000): Promise<PodStatus> {
    return this.waitFor(`${name} Ready`, () => {
      const s = this.status(name);
      return s?.phase === 'Running' && s.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true ? s : undefined;
    }, timeoutMs);
  }

  /** Stops the agent (containers keep running) and starts a new one on the same folders. */
  async restart(): Promise<void> {
    await this.agent.stop();
    this.agent = this.newAgent();
    await this.agent.start();
  }

  /** Containers of this node on the engine (docker ps). */
  async dockerPs(): Promise<{ id: string; name: string; state: string }[]> {
    const { stdout } = await run('docker', ['ps', '-a', '--no-trunc', '--filter', `label=${LABEL_NODE_NAME}=${this.nodeName}`, '--format', '{{.ID}} {{.Names}} {{.State}}']);
    return stdout.split('\n').filter((l) => l.trim() !== '').map((l) => {
      const [id = '', name = '', state = ''] = l.split(' ');
      return { id, name, state };
    });
  }

  async close(): Promise<void> {
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => { r('timeout'); }, 30_000); });
      const res = await Promise.race([this.agent.stop().then(() => 'ok' as const), timeout]);
      clearTimeout(timer);
      if (res === 'timeout') throw new Error(`agent.stop() did not finish in 30 s (stage ${this.agent.stopStage}); busy workers: ${JSON.stringify(this.agent.workers.busy())}`);
    } finally {
      await removeNodeContainers(this.nodeName);
      // Memory emptyDirs of pods still present when the agent stopped stay mounted (as on a node).
      await defaultTmpfsMounter.unmountUnder(this.rootDir).catch(() => undefined);
      await rm(join(this.manifestDir, '..'), { recursive: true, force: true });
    }
  }
}

/** A minimal pod manifest with busybox containers. */
export function manifest(name: string, spec: Partial<NonNullable<Pod['spec']>>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [], ...spec } };
}
