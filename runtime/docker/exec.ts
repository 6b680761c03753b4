// Exec (probes, hooks, kubectl exec) and attach.
//
// Timeouts really stop the process. Docker has no exec-kill API (moby/moby#9167), so on timeout
// we read the exec's PID from ExecInspect and kill it with its descendants:
//   1. from this host, when the engine runs here and the PID is visible in /proc (we are root):
//      SIGSTOP the tree, then SIGKILL it, checking every PID still sits in the container's cgroup
//      (proc-tree.ts);
//   2. otherwise (Docker Desktop, remote engine: the PID lives in the engine's VM), a short-lived
//      helper container with PidMode=host — it shares the engine host's PID namespace, so the
//      same PID is valid there — does the same walk with busybox sh and kill.
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { RuntimeError } from '../errors.ts';
import { DOCKER_TYPE_CONTAINER, LABEL_DOCKER_TYPE, LABEL_MANAGED_BY, LABEL_NODE_NAME, MANAGED_BY_VALUE } from '../labels.ts';
import type { ExecService, ExecStreams, ExecSyncResult, StreamingSession } from '../types.ts';
import type { EngineContext } from './context.ts';
import { toRuntimeError, withDeadline } from './engine-errors.ts';
import { CappedCollector, FrameDemuxer } from './demux.ts';
import { BUSYBOX_IMAGE } from './local-images.ts';
import { killContainerProcessTree } from './proc-tree.ts';

/** cri-dockerd's maxMsgSize: exec output kept per stream. */
export const EXEC_OUTPUT_CAP_BYTES = 16 * 1024 * 1024;
/** After a kill, how long to wait for the engine to close the exec's stream. */
const DRAIN_AFTER_KILL_MS = 2_000;

export interface ExecOptions {
  /** Where the engine host's /proc is visible (undefined: never look, use the helper). */
  hostProc?: string | undefined;
  /** Image for the kill helper on engines whose PIDs are not visible here. */
  helperImage?: string;
}

export type KillStrategy = 'host' | 'helper' | 'exited' | 'failed';

const HELPER_SCRIPT = [
  // $1 = root PID, $2 = container id. Freeze the tree (parents first), then kill it all.
  'root=$1; cid=$2; all=""; queue=$root',
  'while [ -n "$queue" ]; do',
  '  set -- $queue; p=$1; shift; queue="$*"',
  '  grep -q "$cid" /proc/$p/cgroup 2>/dev/null || continue',
  '  kill -STOP $p 2>/dev/null; all="$all $p"',
  '  queue="$queue $(ps -o pid,ppid | awk -v p=$p \'$2==p{print $1}\')"',
  'done',
  '[ -n "$all" ] && kill -9 $all',
].join('\n');

function wire(sock: Duplex, tty: boolean, streams: ExecStreams): void {
  const demux = new FrameDemuxer();
  // A socket error ends the session (see closed()); it must never crash the process.
  sock.on('error', () => undefined);
  sock.on('data', (chunk: Buffer) => {
    if (tty) {
      streams.stdout?.write(chunk);
      return;
    }
    for (const c of demux.push(chunk)) {
      const target = c.stream === 'stdout' ? streams.stdout : streams.stderr;
      target?.write(c.data);
    }
  });
  if (streams.stdin !== undefined) {
    // When stdin ends, half-close the connection so the process reads EOF (e.g. `cat` exits).
    streams.stdin.on('data', (chunk: Buffer | string) => { if (sock.writable) sock.write(chunk); });
    streams.stdin.on('end', () => { if (sock.writable) sock.end(); });
  }
}

/**
 * dockerd reports an exec that could not start (a missing binary, a bad working dir) by writing
 * its error into the exec's stdout and ending it with 126/127 (moby's postContainerExecStart).
 * The kubelet reports such an error on the error channel, not as output: so output that begins
 * like that message is held until the exec is known to have started (a PID) or has ended.
 */
const START_FAILURE_PREFIX = Buffer.from('OCI runtime exec failed');

export class StartFailureGate {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private open = false;

  constructor(private readonly target: NodeJS.WritableStream | undefined) {}

  /** True while the output so far could still be the engine's start failure. */
  get suspect(): boolean {
    return !this.open && this.heldBytes > 0;
  }

  write(chunk: Buffer): void {
    if (this.open) {
      this.target?.write(chunk);
      return;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    const n = Math.min(this.heldBytes, START_FAILURE_PREFIX.length);
    const head = Buffer.concat(this.held).subarray(0, n);
    if (!head.equals(START_FAILURE_PREFIX.subarray(0, n))) this.release();
  }

  /** Lets held and later output through. */
  release(): void {
    if (this.open) return;
    this.open = true;
    for (const c of this.held) this.target?.write(c);
    this.held = [];
    this.heldBytes = 0;
  }

  /** The held text (the engine's message when the exec never started). */
  text(): string {
    return Buffer.concat(this.held).toString('utf8').trim();
  }
}

function closed(sock: Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    if (sock.destroyed || sock.readableEnded) {
      resolve();
      return;
    }
    sock.once('end', () => { resolve(); });
    sock.once('close', () => { resolve(); });
    sock.once('error', () => { resolve(); });
  });
}

export class DockerExec implements ExecService {
  private readonly hostProc: string | undefined;
  private readonly helperImage: string;

  constructor(
    private readonly ctx: EngineContext,
    opts: ExecOptions = {},
  ) {
    this.hostProc = 'hostProc' in opts ? opts.hostProc : '/proc';
    this.helperImage = opts.helperImage ?? BUSYBOX_IMAGE;
  }

  private async createExec(containerId: string, cmd: string[], opts: { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): Promise<Docker.Exec> {
    return withDeadline(this.ctx.callTimeoutMs, `exec in ${containerId}`, 'ERR_RUNTIME', (abortSignal) =>
      this.ctx.docker.getContainer(containerId).exec({
        Cmd: cmd,
        AttachStdin: opts.stdin,
        AttachStdout: opts.stdout,
        AttachStderr: opts.stderr,
        Tty: opts.tty,
        abortSignal,
      }));
  }

  private async startExec(exec: Docker.Exec, stdin: boolean, tty: boolean): Promise<Duplex> {
    return withDeadline(this.ctx.callTimeoutMs, `starting exec ${exec.id}`, 'ERR_RUNTIME', async (abortSignal) =>
      (await exec.start({ hijack: true, stdin, Tty: tty, abortSignal })));
  }

  /** The exec's exit code, waiting briefly for the engine to notice the process ended. */
  private async exitCode(exec: Docker.Exec): Promise<number | undefined> {
    for (let i = 0; i < 20; i++) {
      const info = await withDeadline(this.ctx.callTimeoutMs, `inspecting exec ${exec.id}`, 'ERR_RUNTIME', () => exec.inspect());
      if (!info.Running) return info.ExitCode ?? undefined;
      await this.ctx.clock.sleep(Math.min(25 * 2 ** i, 500));
    }
    return undefined;
  }

  /** Runs cmd to completion; after timeoutMs (when > 0) kills its process tree and reports timedOut. */
  async execSync(containerId: string, cmd: string[], timeoutMs: number): Promise<ExecSyncResult> {
    const exec = await this.createExec(containerId, cmd, { tty: false, stdin: false, stdout: true, stderr: true });
    const sock = await this.startExec(exec, false, false);
    sock.on('error', () => undefined); // ends the stream; see closed()
    const demux = new FrameDemuxer();
    const out = new CappedCollector(EXEC_OUTPUT_CAP_BYTES);
    sock.on('data', (chunk: Buffer) => { for (const c of demux.push(chunk)) out.add(c); });
    const ended = closed(sock);
    const timeout = new AbortController();
    // CRI: a timeout of 0 means no timeout.
    const timer = timeoutMs <= 0 ? new Promise<'cancelled'>(() => undefined) : this.ctx.clock.sleep(timeoutMs, timeout.signal).then(() => 'timeout' as const, () => 'cancelled' as const);
    const first = await Promise.race([ended.then(() => 'ended' as const), timer]);
    timeout.abort();
    let timedOut = false;
    if (first === 'timeout') {
      timedOut = true;
      const how = await this.killExec(exec);
      this.ctx.log.info({ container: containerId, cmd: cmd.join(' '), timeoutMs, how }, 'exec timed out; process killed');
      const drain = new AbortController();
      await Promise.race([ended, this.ctx.clock.sleep(DRAIN_AFTER_KILL_MS, drain.signal).catch(() => undefined)]);
      drain.abort();
      sock.destroy();
    }
    const code = await this.exitCode(exec).catch(() => undefined);
    return { exitCode: code ?? (timedOut ? 137 : -1), ...out.result(), timedOut };
  }

  /** Kills a running exec's process tree; see the file comment for the two strategies. */
  async killExec(exec: Docker.Exec): Promise<KillStrategy> {
    const info = await withDeadline(this.ctx.callTimeoutMs, `inspecting exec ${exec.id}`, 'ERR_RUNTIME', () => exec.inspect());
    if (!info.Running || info.Pid <= 0) return 'exited';
    if (this.hostProc !== undefined && killContainerProcessTree(info.Pid, info.ContainerID, this.hostProc) !== undefined) return 'host';
    try {
      await this.killWithHelper(info.Pid, info.ContainerID);
      return 'helper';
    } catch (err) {
      this.ctx.log.warn({ err, pid: info.Pid, container: info.ContainerID }, 'could not kill a timed-out exec');
      return 'failed';
    }
  }

  private async killWithHelper(pid: number, containerId: string): Promise<void> {
    const helper = await withDeadline(this.ctx.callTimeoutMs, 'creating exec-kill helper', 'ERR_RUNTIME', (abortSignal) =>
      this.ctx.docker.createContainer({
        Image: this.helperImage,
        Entrypoint: ['sh', '-c', HELPER_SCRIPT, 'kill-tree'],
        Cmd: [String(pid), containerId],
        Labels: { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_NODE_NAME]: this.ctx.nodeName, [LABEL_DOCKER_TYPE]: `${DOCKER_TYPE_CONTAINER}-helper` },
        HostConfig: { PidMode: 'host', NetworkMode: 'none', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } },
        abortSignal,
      }));
    try {
      await withDeadline(this.ctx.callTimeoutMs, 'running exec-kill helper', 'ERR_RUNTIME', async (abortSignal) => {
        await helper.start({ abortSignal });
        await helper.wait({ abortSignal });
      });
    } finally {
      await helper.remove({ force: true }).catch(() => undefined);
    }
  }

  async exec(containerId: string, cmd: string[], opts: { tty: boolean; streams: ExecStreams; signal?: AbortSignal }): Promise<StreamingSession> {
    const { streams, tty } = opts;
    const exec = await this.createExec(containerId, cmd, {
      tty,
      stdin: streams.stdin !== undefined,
      stdout: streams.stdout !== undefined,
      stderr: streams.stderr !== undefined && !tty,
    });
    const sock = await this.startExec(exec, streams.stdin !== undefined, tty);
    const gate = new StartFailureGate(streams.stdout);
    const gated: ExecStreams = { ...streams, stdout: { write: (c: Buffer) => { gate.write(c); return true; } } as unknown as NodeJS.WritableStream };
    wire(sock, tty, gated);
    // Held output is let through as soon as the exec has a PID: it started, so it is the program's.
    const probe = setTimeout(() => {
      if (!gate.suspect) return;
      exec.inspect().then((i) => { if (i.Pid > 0) gate.release(); }, () => undefined);
    }, 50);
    const aborted = this.onAbort(opts.signal, sock);
    const done = Promise.race([
      closed(sock).then(async () => {
        clearTimeout(probe);
        const info = gate.suspect ? await exec.inspect().catch(() => undefined) : undefined;
        if (info !== undefined && info.Pid === 0 && !info.Running) {
          throw new RuntimeError('ERR_RUNTIME', gate.text());
        }
        gate.release();
        return (await this.exitCode(exec).catch(() => undefined)) ?? -1;
      }),
      aborted,
    ]);
    return {
      done,
      resize: async ({ width, height }) => {
        await withDeadline(this.ctx.callTimeoutMs, 'resizing exec', 'ERR_RUNTIME', (abortSignal) =>
          exec.resize({ h: height, w: width, abortSignal }));
      },
    };
  }

  async attach(containerId: string, opts: { streams: ExecStreams; signal?: AbortSignal }): Promise<StreamingSession> {
    const container = this.ctx.docker.getContainer(containerId);
    const info = await withDeadline(this.ctx.callTimeoutMs, `inspecting ${containerId}`, 'ERR_RUNTIME', (abortSignal) => container.inspect({ abortSignal }));
    const tty = info.Config.Tty;
    const stdin = opts.streams.stdin !== undefined && info.Config.OpenStdin;
    if (opts.streams.stdin !== undefined && !info.Config.OpenStdin) {
      throw new RuntimeError('ERR_RUNTIME', `container ${containerId} was not created with stdin open`);
    }
    let sock: Duplex;
    try {
      sock = (await container.attach({ stream: true, stdin, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    } catch (err) {
      throw toRuntimeError(err, 'ERR_RUNTIME', `attaching to ${containerId}`);
    }
    wire(sock, tty, opts.streams);
    const aborted = this.onAbort(opts.signal, sock);
    // The attached process is the container's: its exit code comes from wait, not the stream.
    const waited = container.wait().then((r: { StatusCode?: number }) => r.StatusCode ?? -1, () => -1);
    return {
      done: Promise.race([waited, aborted]),
      resize: async ({ width, height }) => {
        await withDeadline(this.ctx.callTimeoutMs, 'resizing attach', 'ERR_RUNTIME', (abortSignal) =>
          container.resize({ h: height, w: width, abortSignal }));
      },
    };
  }

  /** Resolves with -1 when the caller gives up (client gone): the session ends, the process stays. */
  private onAbort(signal: AbortSignal | undefined, sock: Duplex): Promise<number> {
    return new Promise<number>((resolve) => {
      if (signal === undefined) return;
      const stop = (): void => {
        sock.destroy();
        resolve(-1);
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  }
}
