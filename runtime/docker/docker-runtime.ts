// DockerRuntime: the Runtime interface on a Docker engine, composed from one module per
// capability. The only place (with its siblings) that imports dockerode.
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import { SystemClock, type Clock } from '../../lib/clock.ts';
import { createLogger, type Logger } from '../../lib/log.ts';
import type {
  ContainerConfig,
  ContainerFilter,
  ContainerStats,
  ContainerStatus,
  ExecStreams,
  ExecSyncResult,
  ImageStatus,
  LogChunk,
  LogOptions,
  PortForwardOptions,
  PullProgress,
  Runtime,
  RuntimeEvent,
  RuntimeVersion,
  SandboxConfig,
  SandboxStatus,
  StreamingSession,
} from '../types.ts';
import { DockerContainers } from './containers.ts';
import type { EngineContext } from './context.ts';
import { dockerFor, type EngineEndpoint } from './discovery.ts';
import { DEFAULT_CALL_TIMEOUT_MS, withDeadline } from './engine-errors.ts';
import { DockerEvents } from './events.ts';
import { DockerExec, type ExecOptions } from './exec.ts';
import { DockerImages } from './images.ts';
import { InfraImage } from './infra-image.ts';
import { DEFAULT_INFRA_IMAGE } from './local-images.ts';
import { DockerLogs } from './logs.ts';
import { DockerPortForward, type PortForwardPath } from './port-forward.ts';
import { DockerSandboxes } from './sandboxes.ts';
import { DockerStats } from './stats.ts';

export interface DockerRuntimeOptions {
  /** Engine to talk to; ignored when `docker` is given. Default: DOCKER_HOST or /var/run/docker.sock. */
  endpoint?: EngineEndpoint;
  docker?: Docker;
  /** This agent's node name: labels everything it creates and filters everything it lists. */
  nodeName: string;
  /** Pod infra image; default registry.k8s.io/pause:3.10, else nodelet's own pause image. */
  infraImage?: string;
  log?: Logger;
  clock?: Clock;
  /** Deadline for short engine calls (default 30 s). */
  callTimeoutMs?: number;
  /**
   * Where the engine host's /proc is visible (default /proc): to kill timed-out execs and to
   * port-forward from this host. undefined: never look, use the engine (as on Docker Desktop).
   */
  hostProc?: string | undefined;
}

export interface HostInfo {
  cpus: number;
  memoryBytes: number;
  operatingSystem: string;
  kernelVersion: string;
  os: string;
  architecture: string;
}

/** Engine architecture names → Kubernetes (GOARCH) names. */
export function goArch(arch: string): string {
  const map: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', armv7l: 'arm', i386: '386', i686: '386', ppc64le: 'ppc64le', s390x: 's390x' };
  return map[arch] ?? arch;
}

const HOST_FACTS_TTL_MS = 60_000;

export class DockerRuntime implements Runtime {
  readonly docker: Docker;
  private readonly ctx: EngineContext;
  private readonly images: DockerImages;
  private readonly containers: DockerContainers;
  private readonly sandboxes: DockerSandboxes;
  private readonly execs: DockerExec;
  private readonly forwards: DockerPortForward;
  private readonly logReader: DockerLogs;
  private readonly eventSource: DockerEvents;
  private readonly statsReader: DockerStats;
  private hostFacts: { at: number; info: HostInfo } | undefined;

  constructor(opts: DockerRuntimeOptions) {
    if (opts.nodeName === '') throw new Error('DockerRuntime needs a node name');
    this.docker = opts.docker ?? (opts.endpoint === undefined ? new Docker() : dockerFor(opts.endpoint));
    this.ctx = {
      docker: this.docker,
      nodeName: opts.nodeName,
      log: (opts.log ?? createLogger('runtime')).child({ runtime: 'docker' }),
      clock: opts.clock ?? new SystemClock(),
      callTimeoutMs: opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      quirks: {},
    };
    this.images = new DockerImages(this.ctx);
    this.containers = new DockerContainers(this.ctx, this.images);
    this.sandboxes = new DockerSandboxes(this.ctx, this.images, this.containers, new InfraImage(this.ctx, this.images, opts.infraImage ?? DEFAULT_INFRA_IMAGE));
    const execOpts: ExecOptions = 'hostProc' in opts ? { hostProc: opts.hostProc } : {};
    this.execs = new DockerExec(this.ctx, execOpts);
    this.forwards = new DockerPortForward(this.ctx, execOpts);
    this.logReader = new DockerLogs(this.ctx);
    this.eventSource = new DockerEvents(this.ctx);
    this.statsReader = new DockerStats(this.ctx);
  }

  get nodeName(): string {
    return this.ctx.nodeName;
  }

  // sandboxes
  runSandbox(config: SandboxConfig): Promise<string> { return this.sandboxes.runSandbox(config); }
  stopSandbox(id: string, graceSeconds?: number): Promise<void> { return this.sandboxes.stopSandbox(id, graceSeconds); }
  removeSandbox(id: string): Promise<void> { return this.sandboxes.removeSandbox(id); }
  sandboxStatus(id: string): Promise<SandboxStatus> { return this.sandboxes.sandboxStatus(id); }
  listSandboxes(filter?: { podUid?: string }): Promise<SandboxStatus[]> { return this.sandboxes.listSandboxes(filter); }

  // containers
  createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string> {
    return this.containers.createContainer(sandboxId, config, sandbox);
  }
  startContainer(id: string): Promise<void> { return this.containers.startContainer(id); }
  stopContainer(id: string, graceSeconds: number): Promise<void> { return this.containers.stopContainer(id, graceSeconds); }
  removeContainer(id: string): Promise<void> { return this.containers.removeContainer(id); }
  containerStatus(id: string): Promise<ContainerStatus> { return this.containers.containerStatus(id); }
  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]> { return this.containers.listContainers(filter); }

  // images
  imageStatus(ref: string): Promise<ImageStatus | undefined> { return this.images.imageStatus(ref); }
  pullImage(ref: string, onProgress?: (p: PullProgress) => void, signal?: AbortSignal): Promise<ImageStatus> {
    return this.images.pullImage(ref, onProgress, signal);
  }
  removeImage(ref: string): Promise<void> { return this.images.removeImage(ref); }
  listImages(): Promise<ImageStatus[]> { return this.images.listImages(); }

  // exec, logs, events, stats
  execSync(containerId: string, cmd: string[], timeoutMs: number): Promise<ExecSyncResult> { return this.execs.execSync(containerId, cmd, timeoutMs); }
  exec(containerId: string, cmd: string[], opts: { tty: boolean; streams: ExecStreams; signal?: AbortSignal }): Promise<StreamingSession> {
    return this.execs.exec(containerId, cmd, opts);
  }
  attach(containerId: string, opts: { streams: ExecStreams; signal?: AbortSignal }): Promise<StreamingSession> { return this.execs.attach(containerId, opts); }
  portForward(sandboxId: string, port: number, opts?: PortForwardOptions): Promise<Duplex> { return this.forwards.portForward(sandboxId, port, opts); }
  /** Which way a port-forward to this sandbox goes now: direct, host, exec or helper (port-forward.ts). */
  portForwardPath(sandboxId: string): Promise<PortForwardPath> { return this.forwards.pathFor(sandboxId); }
  logs(containerId: string, opts: LogOptions): AsyncIterable<LogChunk> { return this.logReader.logs(containerId, opts); }
  events(signal: AbortSignal): AsyncIterable<RuntimeEvent> { return this.eventSource.events(signal); }
  stats(containerId: string): Promise<ContainerStats> { return this.statsReader.stats(containerId); }

  async version(): Promise<RuntimeVersion> {
    const v = await withDeadline(this.ctx.callTimeoutMs, 'engine version', 'ERR_RUNTIME', () => this.docker.version());
    return { runtimeName: 'docker', runtimeVersion: v.Version, apiVersion: v.ApiVersion };
  }

  /** Host facts for node registration; cached for a minute, as cri-dockerd does. */
  async info(): Promise<HostInfo> {
    const now = this.ctx.clock.now();
    if (this.hostFacts !== undefined && now - this.hostFacts.at < HOST_FACTS_TTL_MS) return this.hostFacts.info;
    const i = (await withDeadline(this.ctx.callTimeoutMs, 'engine info', 'ERR_RUNTIME', () => this.docker.info() as Promise<unknown>)) as {
      NCPU: number; MemTotal: number; OperatingSystem: string; KernelVersion: string; OSType: string; Architecture: string;
    };
    const info: HostInfo = {
      cpus: i.NCPU,
      memoryBytes: i.MemTotal,
      operatingSystem: i.OperatingSystem,
      kernelVersion: i.KernelVersion,
      os: i.OSType,
      architecture: goArch(i.Architecture),
    };
    this.hostFacts = { at: now, info };
    return info;
  }
}

export function createDockerRuntime(opts: DockerRuntimeOptions): DockerRuntime {
  return new DockerRuntime(opts);
}
