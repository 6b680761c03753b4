// Port-forward (CRI's PortForward) on a Docker engine: a TCP connection to localhost:PORT inside a
// sandbox's network namespace, so a server bound to 127.0.0.1 in the pod is reachable (containerd
// does netns.Do + dial localhost; dockershim ran nsenter + socat). The connection is made by
// nodelet's relay (images/pause/portforward.c, /portforward in nodelet's pause image), which
// reports on stderr (relay-stream.ts). The path is chosen per call:
//   direct — the agent already lives in the sandbox's network namespace (a hostNetwork pod, the
//            agent on the host): net.connect to 127.0.0.1, then ::1. Same semantics, no process.
//   host   — the pause process's PID is visible under hostProc (the engine runs on this host and
//            we may open its namespaces, i.e. root): the relay runs here and setns()es into the
//            netns, handed over as an open fd (opened first, then checked to belong to the
//            sandbox, so a recycled PID is never entered). The binary is copied out of nodelet's
//            pause image (once per image build) into a private temp dir: nothing depends on the
//            checkout, and the host runs exactly what the sandboxes run.
//   exec   — otherwise (Docker Desktop, an agent in a container without the host's PIDs), when the
//            sandbox runs nodelet's current pause image: `docker exec` of /portforward as root.
//            The engine does not stop an exec whose client went away, so a connection dropped
//            before both directions are done is ended by a second exec, `/portforward -k TOKEN`.
//   helper — otherwise (another infra image, e.g. registry.k8s.io/pause, or an older build of
//            ours): a short-lived container of nodelet's pause image in the sandbox's netns
//            (NetworkMode container:<sandbox>), labelled like exec.ts's kill helper and removed
//            when the connection ends (AutoRemove too, should the agent die first).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getSystemErrorMap } from 'node:util';
import { extract } from 'tar-fs';
import { PROJECT_ROOT } from '../../lib/paths.ts';
import { RuntimeError } from '../errors.ts';
import { DOCKER_TYPE_CONTAINER, DOCKER_TYPE_SANDBOX, LABEL_DOCKER_TYPE, LABEL_MANAGED_BY, LABEL_NODE_NAME, MANAGED_BY_VALUE } from '../labels.ts';
import type { PortForwardOptions, PortForwardService } from '../types.ts';
import type { EngineContext } from './context.ts';
import { FrameDemuxer } from './demux.ts';
import { withDeadline } from './engine-errors.ts';
import { NODELET_PAUSE_IMAGE, PORT_FORWARD_RELAY_PATH, ensurePauseImage } from './local-images.ts';
import { inContainer } from './proc-tree.ts';
import { RelayStream, type RelaySink, type RelayTransport } from './relay-stream.ts';

export type PortForwardPath = 'direct' | 'host' | 'exec' | 'helper';

export interface DockerPortForwardOptions {
  /** Where the engine host's /proc is visible (undefined: never look; use the engine paths). */
  hostProc?: string | undefined;
  /** Where images/pause/ lives, to build nodelet's pause image when it is missing. */
  projectRoot?: string;
}

type Plan =
  | { path: 'direct' }
  | { path: 'host'; nsFd: number; pid: number }
  | { path: 'exec' }
  | { path: 'helper'; image: string };

/**
 * The message a failed connect carries, in containerd's words; the relay writes the same. The
 * IPv6 failure is named only when it says more than "this namespace has no IPv6".
 */
export function connectFailure(port: number, namespace: string, v4: string, v6?: string): string {
  const why = v6 === undefined || v6 === v4 ? `connect: ${v4}` : `IPv4: connect: ${v4}, IPv6: connect: ${v6}`;
  return `failed to connect to localhost:${port} inside namespace "${namespace}": ${why}`;
}

function errnoText(err: unknown): string {
  const e = err as { errno?: number; code?: string; message?: string };
  const known = e.errno === undefined ? undefined : getSystemErrorMap().get(e.errno)?.[1];
  return known ?? e.code ?? e.message ?? String(err);
}

/** Opens the pause process's netns, then checks that the PID (still) is the sandbox's. */
function openNetns(hostProc: string, pid: number, sandboxId: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(join(hostProc, String(pid), 'ns/net'), 'r');
  } catch {
    return undefined; // not visible here, or not ours to open (not root)
  }
  if (!inContainer(pid, sandboxId, hostProc)) {
    closeSync(fd);
    return undefined;
  }
  return fd;
}

/** True when the open netns is the one this process lives in. */
function isOwnNetns(fd: number): boolean {
  try {
    const theirs = fstatSync(fd);
    const ours = statSync('/proc/self/ns/net');
    return theirs.ino === ours.ino && theirs.dev === ours.dev;
  } catch {
    return false;
  }
}

// ---- the relay binary on this host -------------------------------------------------------------

let cacheDir: string | undefined;
const hostRelays = new Map<string, Promise<string>>();

/**
 * Where the host copy of the relay lives: <tmp>/nodelet-portforward-<uid>, shared by this user's
 * processes (a copy is kept per image id), but only if it is really ours — a directory, not a
 * link, owned by us, closed to others — since root will execute what it holds. Otherwise a fresh
 * private one.
 */
function relayCacheDir(): string {
  if (cacheDir !== undefined) return cacheDir;
  const uid = process.getuid?.() ?? 0;
  const shared = join(tmpdir(), `nodelet-portforward-${uid}`);
  try {
    mkdirSync(shared, { mode: 0o700 });
  } catch {
    // exists (checked below) or cannot be made (falls back below)
  }
  try {
    const st = lstatSync(shared);
    cacheDir = st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 ? shared : undefined;
  } catch {
    cacheDir = undefined;
  }
  cacheDir ??= mkdtempSync(join(tmpdir(), 'nodelet-portforward-'));
  return cacheDir;
}

function helperLabels(nodeName: string): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_NODE_NAME]: nodeName, [LABEL_DOCKER_TYPE]: `${DOCKER_TYPE_CONTAINER}-helper` };
}

/** Copies /portforward out of the image (create a container, read the file, remove it). */
async function extractRelay(ctx: EngineContext, imageId: string): Promise<string> {
  const dir = relayCacheDir();
  const name = `portforward-${imageId.replace(/^sha256:/, '').slice(0, 16)}`;
  const target = join(dir, name);
  if (existsSync(target)) return target; // copied by an earlier process
  const container = await withDeadline(ctx.callTimeoutMs, 'creating a container to copy the port-forward relay', 'ERR_PORT_FORWARD', (abortSignal) =>
    ctx.docker.createContainer({ Image: imageId, Labels: helperLabels(ctx.nodeName), HostConfig: { NetworkMode: 'none' }, abortSignal }));
  const unpacked = mkdtempSync(join(dir, 'unpack-'));
  try {
    await withDeadline(ctx.callTimeoutMs, 'copying the port-forward relay out of its image', 'ERR_PORT_FORWARD', async (abortSignal) => {
      const tar = await container.getArchive({ path: PORT_FORWARD_RELAY_PATH, abortSignal });
      await pipeline(tar, extract(unpacked));
    });
    const file = join(unpacked, PORT_FORWARD_RELAY_PATH.slice(1));
    chmodSync(file, 0o700);
    renameSync(file, target); // atomic: another process never runs a half-written copy
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
    await container.remove({ force: true }).catch(() => undefined);
  }
  // Copies from older builds of the image are not needed any more (a running one keeps its inode).
  for (const old of readdirSync(dir)) {
    if (old.startsWith('portforward-') && old !== name) rmSync(join(dir, old), { force: true });
  }
  ctx.log.debug({ image: imageId, path: target }, 'port-forward relay copied to this host');
  return target;
}

function hostRelay(ctx: EngineContext, imageId: string): Promise<string> {
  const cached = hostRelays.get(imageId);
  if (cached !== undefined) {
    return cached.then((path) => {
      if (existsSync(path)) return path;
      hostRelays.delete(imageId); // someone cleaned the temp dir: copy it again
      return hostRelay(ctx, imageId);
    });
  }
  const made = extractRelay(ctx, imageId);
  hostRelays.set(imageId, made);
  made.catch(() => { hostRelays.delete(imageId); });
  return made;
}

// ---- transports --------------------------------------------------------------------------------

/**
 * A hijacked, multiplexed engine stream (exec or attach) as a relay transport. `stop` runs when
 * the caller lets go; `ended` says whether the engine already ended the stream (the relay exited).
 */
function engineTransport(sock: Duplex, sink: RelaySink, stop: (finished: boolean, ended: boolean) => void): RelayTransport {
  const demux = new FrameDemuxer();
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    sink.closed();
  };
  sock.on('error', () => undefined); // ends the stream; reported through finish()
  sock.on('data', (chunk: Buffer) => {
    for (const frame of demux.push(chunk)) {
      if (frame.stream === 'stdout') sink.stdout(frame.data);
      else sink.stderr(frame.data);
    }
  });
  sock.on('end', finish);
  sock.on('close', finish);
  let destroyed = false;
  return {
    write: (chunk, done) => {
      if (!sock.writable) {
        done();
        return;
      }
      if (sock.write(chunk)) done();
      else sock.once('drain', done);
    },
    // Half-close toward the engine: it closes the relay's stdin.
    end: () => { if (sock.writable) sock.end(); },
    pause: () => { sock.pause(); },
    resume: () => { sock.resume(); },
    destroy: (done) => {
      if (destroyed) return;
      destroyed = true;
      const ended = finished;
      sock.destroy();
      stop(done, ended);
    },
  };
}

// ---- the service -------------------------------------------------------------------------------

export class DockerPortForward implements PortForwardService {
  private readonly hostProc: string | undefined;
  private readonly projectRoot: string;
  private imageEnsured: Promise<void> | undefined;

  constructor(
    private readonly ctx: EngineContext,
    opts: DockerPortForwardOptions = {},
  ) {
    this.hostProc = 'hostProc' in opts ? opts.hostProc : '/proc';
    this.projectRoot = opts.projectRoot ?? PROJECT_ROOT;
  }

  async portForward(sandboxId: string, port: number, opts: PortForwardOptions = {}): Promise<Duplex> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RuntimeError('ERR_PORT_FORWARD', `port-forward to sandbox ${sandboxId}: invalid port ${port}`);
    }
    const plan = await this.plan(sandboxId);
    const log = this.ctx.log.child({ sandbox: sandboxId, port, path: plan.path, ...(plan.path === 'host' ? { pid: plan.pid } : {}) });
    if (plan.path === 'direct') {
      const sock = await connectHere(sandboxId, port, opts.signal);
      log.debug('port-forward connected');
      return sock;
    }
    const what = `sandbox ${sandboxId} port ${port}`;
    const stream = new RelayStream({ what, clock: this.ctx.clock, connectTimeoutMs: this.ctx.callTimeoutMs, signal: opts.signal });
    try {
      const transport =
        plan.path === 'host' ? await this.startOnHost(plan.nsFd, sandboxId, port, stream.sink)
        : plan.path === 'exec' ? await this.startExec(sandboxId, port, stream.sink)
        : await this.startHelper(plan.image, sandboxId, port, stream.sink);
      stream.attach(transport);
    } catch (err) {
      stream.destroy();
      throw err;
    } finally {
      if (plan.path === 'host') closeSync(plan.nsFd);
    }
    await stream.connected;
    log.debug('port-forward connected');
    return stream;
  }

  /** Which path a port-forward to this sandbox takes now (see the file comment). */
  async pathFor(sandboxId: string): Promise<PortForwardPath> {
    const plan = await this.plan(sandboxId);
    if (plan.path === 'host') closeSync(plan.nsFd);
    return plan.path;
  }

  private async plan(sandboxId: string): Promise<Plan> {
    const info = await withDeadline(this.ctx.callTimeoutMs, `inspecting sandbox ${sandboxId}`, 'ERR_PORT_FORWARD', (abortSignal) =>
      this.ctx.docker.getContainer(sandboxId).inspect({ abortSignal }));
    const labels = info.Config.Labels as Record<string, string> | null;
    if (labels?.[LABEL_DOCKER_TYPE] !== DOCKER_TYPE_SANDBOX) throw new RuntimeError('ERR_NOT_FOUND', `${sandboxId} is not a pod sandbox`);
    if (!info.State.Running || info.State.Pid <= 0) {
      throw new RuntimeError('ERR_PORT_FORWARD', `port-forward to sandbox ${sandboxId}: the sandbox is not running`);
    }
    if (this.hostProc !== undefined) {
      const nsFd = openNetns(this.hostProc, info.State.Pid, info.Id);
      if (nsFd !== undefined) {
        if (!isOwnNetns(nsFd)) return { path: 'host', nsFd, pid: info.State.Pid };
        closeSync(nsFd);
        return { path: 'direct' };
      }
    }
    const image = await this.relayImageId();
    return info.Image === image ? { path: 'exec' } : { path: 'helper', image };
  }

  /** The id of nodelet's pause image (built when missing or out of date, once per runtime). */
  private async relayImageId(): Promise<string> {
    this.imageEnsured ??= ensurePauseImage({ docker: this.ctx.docker, log: this.ctx.log, root: this.projectRoot }).then(
      () => undefined,
      (err: unknown) => {
        this.imageEnsured = undefined;
        throw err instanceof RuntimeError ? err : new RuntimeError('ERR_PORT_FORWARD', `port-forward relay image ${NODELET_PAUSE_IMAGE}: ${String(err)}`, err);
      },
    );
    await this.imageEnsured;
    const image = await withDeadline(this.ctx.callTimeoutMs, `inspecting ${NODELET_PAUSE_IMAGE}`, 'ERR_PORT_FORWARD', () =>
      this.ctx.docker.getImage(NODELET_PAUSE_IMAGE).inspect());
    return image.Id;
  }

  private async startOnHost(nsFd: number, sandboxId: string, port: number, sink: RelaySink): Promise<RelayTransport> {
    const relay = await hostRelay(this.ctx, await this.relayImageId());
    // The netns travels as fd 3; /proc/self/fd/3 is the relay's own view of it.
    const child = spawn(relay, ['-n', '/proc/self/fd/3', '-d', sandboxId, String(port)], { stdio: ['pipe', 'pipe', 'pipe', nsFd] });
    const { stdin, stdout, stderr } = child;
    if (stdin === null || stdout === null || stderr === null) throw new RuntimeError('ERR_PORT_FORWARD', 'the port-forward relay has no pipes');
    stdin.on('error', () => undefined); // EPIPE after the relay exited: reported by its status
    stdout.on('data', (data: Buffer) => { sink.stdout(data); });
    stderr.on('data', (data: Buffer) => { sink.stderr(data); });
    child.on('error', (err) => { sink.closed(err.message); });
    child.on('close', (code, signal) => { sink.closed(signal === null ? `exit code ${code ?? -1}` : `killed by ${signal}`); });
    return {
      write: (chunk, done) => {
        if (stdin.write(chunk)) done();
        else stdin.once('drain', done);
      },
      end: () => { stdin.end(); },
      pause: () => { stdout.pause(); },
      resume: () => { stdout.resume(); },
      destroy: () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); }, // exiting anyway if finished
    };
  }

  private async startExec(sandboxId: string, port: number, sink: RelaySink): Promise<RelayTransport> {
    const token = randomBytes(12).toString('hex');
    const exec = await withDeadline(this.ctx.callTimeoutMs, `port-forward exec in ${sandboxId}`, 'ERR_PORT_FORWARD', (abortSignal) =>
      this.ctx.docker.getContainer(sandboxId).exec({
        Cmd: [PORT_FORWARD_RELAY_PATH, '-d', sandboxId, '-t', token, String(port)],
        User: '0',
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        abortSignal,
      }));
    const sock = await withDeadline(this.ctx.callTimeoutMs, `starting port-forward exec ${exec.id}`, 'ERR_PORT_FORWARD', (abortSignal) =>
      exec.start({ hijack: true, stdin: true, Tty: false, abortSignal }));
    return engineTransport(sock, sink, (finished, ended) => {
      if (!finished && !ended) this.killExecRelay(sandboxId, token);
    });
  }

  /** Ends a relay that `docker exec` left running after its client went away (see the file comment). */
  private killExecRelay(sandboxId: string, token: string): void {
    withDeadline(this.ctx.callTimeoutMs, `stopping a port-forward relay in ${sandboxId}`, 'ERR_PORT_FORWARD', async (abortSignal) => {
      const exec = await this.ctx.docker.getContainer(sandboxId).exec({ Cmd: [PORT_FORWARD_RELAY_PATH, '-k', token], User: '0', abortSignal });
      const res = (await exec.start({ Detach: true, abortSignal })) as NodeJS.ReadableStream;
      res.resume(); // an (empty) body left unread would hold its socket open
    }).catch((err: unknown) => { this.ctx.log.debug({ err, sandbox: sandboxId }, 'could not stop a port-forward relay'); });
  }

  private async startHelper(image: string, sandboxId: string, port: number, sink: RelaySink): Promise<RelayTransport> {
    const helper = await withDeadline(this.ctx.callTimeoutMs, `creating a port-forward helper for ${sandboxId}`, 'ERR_PORT_FORWARD', (abortSignal) =>
      this.ctx.docker.createContainer({
        Image: image,
        Entrypoint: [PORT_FORWARD_RELAY_PATH],
        Cmd: ['-d', sandboxId, String(port)],
        User: '0',
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        Labels: helperLabels(this.ctx.nodeName),
        // The relay's stdout is the connection's data: not for the log driver.
        HostConfig: { NetworkMode: `container:${sandboxId}`, AutoRemove: true, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, LogConfig: { Type: 'none', Config: {} } },
        abortSignal,
      }));
    const remove = (): void => { helper.remove({ force: true }).catch(() => undefined); };
    try {
      // Attach before start, so not a byte of the relay's status is missed.
      const sock = await withDeadline(this.ctx.callTimeoutMs, `attaching to port-forward helper ${helper.id}`, 'ERR_PORT_FORWARD', async () =>
        (await helper.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex);
      // Removing the helper stops its relay; after a finished connection it just saves AutoRemove the work.
      const transport = engineTransport(sock, sink, remove);
      try {
        await withDeadline(this.ctx.callTimeoutMs, `starting port-forward helper ${helper.id}`, 'ERR_PORT_FORWARD', (abortSignal) => helper.start({ abortSignal }) as Promise<unknown>);
      } catch (err) {
        transport.destroy(false);
        throw err;
      }
      return transport;
    } catch (err) {
      remove();
      throw err;
    }
  }
}

/** The direct path: this process already lives in the sandbox's netns. */
function connectHere(sandboxId: string, port: number, signal: AbortSignal | undefined): Promise<Socket> {
  const attempt = (host: string): Promise<Socket> =>
    new Promise<Socket>((resolve, reject) => {
      const sock = connect({ host, port, allowHalfOpen: true, noDelay: true });
      const onAbort = (): void => {
        sock.destroy();
        reject(new RuntimeError('ERR_PORT_FORWARD', `port-forward to sandbox ${sandboxId} port ${port} was cancelled`));
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      sock.once('connect', () => {
        sock.removeAllListeners('error');
        // After the connection: an abort drops it, like the relay paths.
        if (signal !== undefined) {
          signal.removeEventListener('abort', onAbort);
          const drop = (): void => { sock.destroy(); };
          signal.addEventListener('abort', drop, { once: true });
          sock.once('close', () => { signal.removeEventListener('abort', drop); });
        }
        resolve(sock);
      });
      sock.once('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      });
    });
  return attempt('127.0.0.1').catch(async (err4: unknown) => {
    if (err4 instanceof RuntimeError) throw err4;
    try {
      return await attempt('::1');
    } catch (err6) {
      if (err6 instanceof RuntimeError) throw err6;
      const v4 = errnoText(err4);
      const v6 = errnoText(err6);
      const noV6 = ['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'ENETUNREACH'].includes((err6 as { code?: string }).code ?? '');
      throw new RuntimeError('ERR_PORT_FORWARD', connectFailure(port, sandboxId, v4, noV6 ? undefined : v6), err4);
    }
  });
}
