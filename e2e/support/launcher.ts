// Starts one nodelet process (`nodelet apiserver`, `nodelet agent`) in its own container with
// testcontainers: the node image from node-image.ts, the checkout bind-mounted read-only at its own
// path, the run's directory read-write at its own path (an agent's volume directories must have the
// same path for the engine as for the agent), host networking (the agent probes pod IPs and serves
// on loopback ports, as on a real host), and a wait strategy that asks the process itself whether
// it is ready. Output goes straight to a log file in the run's directory rather than through the
// engine, so a stopped engine (live-restore) never blocks a process on a full log pipe.
// No reaper container (its image cannot be pulled here): containers carry the session label and
// are removed by the harness and by the e2e global teardown.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, type WaitStrategy } from 'testcontainers';
import { PROJECT_ROOT } from '../../lib/paths.ts';
import { sleep } from '../../lib/testing/wait.ts';
import { ensureNodeImage } from './node-image.ts';
import type { BindMount } from './runtime.ts';

export const LABEL_E2E_SESSION = 'io.nodelet.e2e.session';
export const LABEL_E2E_ROLE = 'io.nodelet.e2e.role';

/**
 * The session id: the one the e2e global setup chose (one per `vitest run`, shared by every file),
 * or, for other users of the harness (the agent benchmarks), one made here for this process.
 */
export function e2eSession(): string {
  const id = process.env['NODELET_E2E_SESSION'];
  if (id !== undefined && id !== '') return id;
  const made = randomBytes(3).toString('hex');
  process.env['NODELET_E2E_SESSION'] = made;
  return made;
}

type WaitContainer = Parameters<WaitStrategy['waitUntilReady']>[0];

/**
 * A testcontainers wait strategy that polls `ready()` (the process's own health endpoint) every
 * 100 ms, and fails at once, with the end of the log, when the container stops first.
 */
export class UntilReady implements WaitStrategy {
  private timeoutMs = 60_000;
  private timeoutSet = false;

  constructor(private readonly what: string, private readonly ready: () => Promise<boolean>, private readonly logTail: () => string) {}

  async waitUntilReady(container: WaitContainer): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    let last = '';
    for (;;) {
      const state = (await container.inspect()).State;
      if (!state.Running) throw new Error(`${this.what}: the container stopped (exit ${String(state.ExitCode)}) before it was ready:\n${this.logTail()}`);
      try {
        if (await this.ready()) return;
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      if (Date.now() > deadline) throw new Error(`${this.what}: not ready after ${String(this.timeoutMs)} ms${last === '' ? '' : ` (last error: ${last})`}:\n${this.logTail()}`);
      await sleep(100);
    }
  }

  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

export interface LaunchSpec {
  /** unique within the session: container name suffix and log file name */
  name: string;
  /** arguments to `nodelet` */
  args: string[];
  /** the run's directory: mounted read-write, the state dir, where the log goes */
  dir: string;
  mounts: BindMount[];
  env: Record<string, string>;
  ready: () => Promise<boolean>;
  logTail: () => string;
  timeoutMs?: number;
}

export interface Launched {
  name: string;
  args: string[];
  /** the container's ID */
  id: string;
  logFile: string;
  container: StartedTestContainer;
}

let image: Promise<string> | undefined;

export async function launch(spec: LaunchSpec): Promise<Launched> {
  // testcontainers' reaper image cannot be pulled here; the harness removes what it starts
  process.env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true';
  const session = e2eSession();
  // built by the e2e global setup already; a check of its input hash otherwise (~20 ms)
  image ??= ensureNodeImage();
  const logFile = join(spec.dir, `${spec.name}.log`);
  const loader = `file://${join(PROJECT_ROOT, 'node_modules/tsx/dist/loader.mjs')}`;
  const cmd = ['/usr/bin/node', '--import', loader, join(PROJECT_ROOT, 'cli/main.ts'), ...spec.args];
  const container = await new GenericContainer(await image)
    .withName(`nodelet-e2e-${session}-${spec.name}`)
    .withLabels({ [LABEL_E2E_SESSION]: session, [LABEL_E2E_ROLE]: spec.name })
    .withNetworkMode('host')
    .withWorkingDir(PROJECT_ROOT)
    .withBindMounts([
      { source: PROJECT_ROOT, target: PROJECT_ROOT, mode: 'ro' },
      { source: spec.dir, target: spec.dir, mode: 'rw' },
      ...spec.mounts,
    ])
    .withEnvironment({ HOME: '/tmp', NODELET_STATE_DIR: spec.dir, NODELET_LOG_LEVEL: process.env['NODELET_LOG_LEVEL'] ?? 'info', LOG: logFile, ...spec.env })
    // sh only sends the output to the log file, then becomes the process (exec): signals reach node
    .withEntrypoint(['/bin/sh', '-c', 'exec "$@" >>"$LOG" 2>&1', 'sh'])
    .withCommand(cmd)
    .withPullPolicy({ shouldPull: () => false })
    .withWaitStrategy(new UntilReady(spec.name, spec.ready, spec.logTail))
    .withStartupTimeout(spec.timeoutMs ?? 60_000)
    .start();
  return { name: spec.name, args: spec.args, id: container.getId(), logFile, container };
}

/** Sends a signal to the container's process (the nodelet process itself) and waits until it has exited. */
export async function signal(l: Launched, sig: NodeJS.Signals): Promise<void> {
  const client = await getContainerRuntimeClient();
  const c = client.container.getById(l.id);
  try {
    await c.kill({ signal: sig });
  } catch {
    return; // not running
  }
  await Promise.race([c.wait(), sleep(20_000)]);
}

/** Removes the container whatever its state. */
export async function remove(id: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  try {
    await client.container.getById(id).remove({ force: true, v: true });
  } catch {
    // already gone
  }
}

/** Removes every harness container of this session (the global teardown's net). */
export async function removeSession(session: string): Promise<number> {
  const client = await getContainerRuntimeClient();
  const mine = await client.container.dockerode.listContainers({ all: true, filters: { label: [`${LABEL_E2E_SESSION}=${session}`] } });
  await Promise.all(mine.map((c) => remove(c.Id)));
  return mine.length;
}
