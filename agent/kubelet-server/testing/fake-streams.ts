// A scriptable fake of the runtime's logs/exec/attach/containerStatus for the server's unit tests:
// exec runs a tiny interpreter of commands (echo, cat, exit N, sleep-until-stdin-closes, stderr),
// logs replay recorded chunks and can be followed while the test appends more.
import { RuntimeError } from '../../../runtime/errors.ts';
import type { Duplex } from 'node:stream';
import type { ContainerStatus, ExecStreams, LogChunk, LogOptions, PortForwardOptions, SandboxStatus, StreamingSession } from '../../../runtime/types.ts';
import type { KubeletServerRuntime } from '../kubelet-server.ts';

export interface FakeContainer {
  id: string;
  state: ContainerStatus['state'];
  logs: LogChunk[];
  /** Follow streams end once this is true and every chunk is sent. */
  stopped: boolean;
}

export interface ExecCall {
  containerId: string;
  cmd: string[];
  tty: boolean;
  resizes: { width: number; height: number }[];
  signal: AbortSignal | undefined;
}

function write(w: NodeJS.WritableStream | undefined, text: string): void {
  w?.write(Buffer.from(text));
}

async function readAll(stdin: NodeJS.ReadableStream | undefined, onData: (b: Buffer) => void): Promise<void> {
  if (stdin === undefined) return;
  for await (const chunk of stdin) onData(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
}

export class FakeStreamRuntime implements KubeletServerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly execs: ExecCall[] = [];
  readonly logCalls: { containerId: string; opts: LogOptions }[] = [];
  readonly sandboxes: SandboxStatus[] = [];
  readonly forwards: { sandboxId: string; port: number }[] = [];
  /** How portForward answers; by default nothing listens anywhere. */
  forwardHandler: (sandboxId: string, port: number) => Promise<Duplex> = (_id, port) =>
    Promise.reject(new RuntimeError('ERR_PORT_FORWARD', `failed to connect to localhost:${port} inside namespace: connect: connection refused`));

  listSandboxes(filter?: { podUid?: string }): Promise<SandboxStatus[]> {
    return Promise.resolve(this.sandboxes.filter((s) => filter?.podUid === undefined || s.pod.uid === filter.podUid));
  }

  portForward(sandboxId: string, port: number, _opts?: PortForwardOptions): Promise<Duplex> {
    this.forwards.push({ sandboxId, port });
    return this.forwardHandler(sandboxId, port);
  }
  private wakers = new Set<() => void>();

  add(id: string, state: ContainerStatus['state'] = 'running'): FakeContainer {
    const c: FakeContainer = { id, state, logs: [], stopped: state !== 'running' };
    this.containers.set(id, c);
    return c;
  }

  appendLog(id: string, stream: 'stdout' | 'stderr', text: string): void {
    this.must(id).logs.push({ stream, data: Buffer.from(text) });
    this.wake();
  }

  stop(id: string): void {
    const c = this.must(id);
    c.stopped = true;
    c.state = 'exited';
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (c === undefined) throw new RuntimeError('ERR_NOT_FOUND', `No such container: ${id}`);
    return c;
  }

  containerStatus(id: string): Promise<ContainerStatus> {
    return Promise.resolve().then(() => {
      const c = this.must(id);
      return {
        id, name: id, attempt: 0, sandboxId: 's', pod: { name: 'p', namespace: 'default', uid: 'u' }, state: c.state,
        createdAt: 0, startedAt: 0, finishedAt: 0, exitCode: 0, reason: '', message: '', image: 'busybox', imageId: '',
        containerId: `docker://${id}`, labels: {}, annotations: {},
      };
    });
  }

  logs(containerId: string, opts: LogOptions): AsyncIterable<LogChunk> {
    this.logCalls.push({ containerId, opts });
    const c = this.must(containerId);
    const wakers = this.wakers;
    return {
      async *[Symbol.asyncIterator](): AsyncGenerator<LogChunk> {
        let i = opts.tailLines === undefined ? 0 : Math.max(0, c.logs.length - opts.tailLines);
        for (;;) {
          while (i < c.logs.length) {
            const chunk = c.logs[i++];
            if (chunk !== undefined) yield chunk;
          }
          if (opts.follow !== true || c.stopped || opts.signal?.aborted === true) return;
          await new Promise<void>((resolve) => {
            const w = (): void => { wakers.delete(w); resolve(); };
            wakers.add(w);
            opts.signal?.addEventListener('abort', w, { once: true });
          });
        }
      },
    };
  }

  /**
   * Commands: ['echo', ...words] · ['cat'] (stdin → stdout until closed) · ['sh', '-c', 'exit N'] ·
   * ['err', text] (to stderr) · ['fail'] (the runtime rejects) · ['wait'] (until the signal aborts).
   */
  exec(containerId: string, cmd: string[], opts: { tty: boolean; streams: ExecStreams; signal?: AbortSignal }): Promise<StreamingSession> {
    this.must(containerId);
    const call: ExecCall = { containerId, cmd, tty: opts.tty, resizes: [], signal: opts.signal };
    this.execs.push(call);
    const { stdin, stdout, stderr } = opts.streams;
    const [name, ...args] = cmd;
    if (name === 'fail') return Promise.reject(new RuntimeError('ERR_RUNTIME', 'exec: "fail": executable file not found in $PATH'));
    const done = (async (): Promise<number> => {
      switch (name) {
        case 'echo': write(stdout, `${args.join(' ')}\n`); return 0;
        case 'err': write(opts.tty ? stdout : stderr, `${args.join(' ')}\n`); return 1;
        case 'cat': await readAll(stdin, (b) => { stdout?.write(b); }); return 0;
        case 'sh': {
          const m = /^exit (\d+)$/.exec(args[1] ?? '');
          return m === null ? 127 : Number(m[1]);
        }
        case 'wait':
          await new Promise<void>((resolve) => {
            if (opts.signal?.aborted === true) resolve();
            opts.signal?.addEventListener('abort', () => { resolve(); }, { once: true });
          });
          return 137;
        default: write(stderr, `sh: ${name ?? ''}: not found\n`); return 127;
      }
    })();
    return Promise.resolve({
      done,
      resize: (size) => { call.resizes.push(size); return Promise.resolve(); },
    });
  }

  /** Attach echoes stdin to stdout (a container running `cat`) and ends when stdin closes. */
  attach(containerId: string, opts: { streams: ExecStreams; signal?: AbortSignal }): Promise<StreamingSession> {
    this.must(containerId);
    const call: ExecCall = { containerId, cmd: [], tty: false, resizes: [], signal: opts.signal };
    this.execs.push(call);
    const done = (async (): Promise<number> => {
      await readAll(opts.streams.stdin, (b) => { opts.streams.stdout?.write(b); });
      return 0;
    })();
    return Promise.resolve({ done, resize: (size) => { call.resizes.push(size); return Promise.resolve(); } });
  }
}
