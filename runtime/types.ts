// Runtime-neutral types, shaped like CRI. No dockerode (or CRI) type crosses this boundary, so a
// containerd runtime can implement the same interfaces later. The runtime knows sandboxes and
// containers; it knows nothing of Pod lifecycle (restarts, probes, phases): that is the agent's.
import type { Duplex } from 'node:stream';

/** Identity of the pod a sandbox belongs to; stored on the engine so state survives restarts. */
export interface PodRef {
  name: string;
  namespace: string;
  uid: string;
}

export type NamespaceMode = 'pod' | 'node' | 'container';

export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort: number;
  hostIP?: string;
}

export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface SandboxConfig {
  pod: PodRef;
  /** Incremented each time the sandbox is recreated for the same pod. */
  attempt: number;
  hostname: string;
  /** Written to the sandbox's resolv.conf, shared by every container of the pod. */
  dns?: DnsConfig;
  portMappings: PortMapping[];
  /** network: 'node' = hostNetwork; ipc: 'node' = hostIPC; pid: 'node' = hostPID. */
  namespaces: { network: 'pod' | 'node'; ipc: 'pod' | 'node'; pid: NamespaceMode };
  sysctls: Record<string, string>;
  /** Extra labels (the pod's labels) and annotations to keep on the sandbox. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Infra image; the runtime decides the default. */
  image?: string;
  /** Cgroup parent for every container of the pod, if the agent manages one. */
  cgroupParent?: string;
}

export type SandboxState = 'ready' | 'notready';

export interface SandboxStatus {
  id: string;
  pod: PodRef;
  attempt: number;
  state: SandboxState;
  createdAt: number;
  /** Pod IP(s); empty for hostNetwork pods (the agent reports the host IP). */
  ips: string[];
  hostNetwork: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
  propagation?: 'private' | 'rslave' | 'rshared';
  /** tmpfs instead of a bind mount (emptyDir medium: Memory). */
  tmpfs?: { sizeBytes?: number };
}

export interface Resources {
  memoryLimitBytes?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  oomScoreAdj?: number;
}

export interface SecurityConfig {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  readOnlyRootFilesystem?: boolean;
  noNewPrivileges?: boolean;
}

export type ContainerType = 'init' | 'sidecar' | 'regular' | 'ephemeral';

export interface ContainerConfig {
  /** Container name within the pod (Kubernetes `containers[].name`). */
  name: string;
  attempt: number;
  image: string;
  /** Kubernetes `command` → entrypoint; `args` → cmd. Undefined keeps the image's. */
  command?: string[];
  args?: string[];
  env: { name: string; value: string }[];
  workingDir?: string;
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  mounts: Mount[];
  resources: Resources;
  security: SecurityConfig;
  stopSignal?: string;
  /** Kept on the container so the agent can rebuild its state after a restart. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  name: string;
  attempt: number;
  sandboxId: string;
  pod: PodRef;
  state: ContainerState;
  createdAt: number;
  /** 0 when never started. */
  startedAt: number;
  /** 0 while running. */
  finishedAt: number;
  exitCode: number;
  /** For exited: 'Completed' | 'Error' | 'OOMKilled' | 'ContainerCannotRun'. */
  reason: string;
  message: string;
  image: string;
  imageId: string;
  /** e.g. docker://<id> */
  containerId: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerFilter {
  podUid?: string;
  sandboxId?: string;
  name?: string;
  state?: ContainerState;
}

export interface ImageStatus {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  sizeBytes: number;
  /**
   * The image config's user ("1234", "1234:5", "nobody"), when the runtime knows it (image
   * status, not lists). Absent or "" means the image runs as root (runAsNonRoot checks it).
   */
  user?: string;
}

export interface PullProgress {
  /** Human-readable, e.g. "Downloading 12.3MB/40MB". */
  status: string;
  current?: number;
  total?: number;
}

export interface ExecSyncResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
  /** True when the timeout passed and the process was killed. */
  timedOut: boolean;
}

export interface ExecStreams {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export interface StreamingSession {
  /** Resolves with the exit code when the process ends. */
  done: Promise<number>;
  resize(size: { width: number; height: number }): Promise<void>;
}

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  /** Milliseconds since the epoch. */
  since?: number;
  timestamps?: boolean;
  limitBytes?: number;
  signal?: AbortSignal;
}

export interface LogChunk {
  stream: 'stdout' | 'stderr';
  data: Buffer;
}

export type RuntimeEventType = 'create' | 'start' | 'die' | 'oom' | 'destroy' | 'stop';

export interface RuntimeEvent {
  type: RuntimeEventType;
  containerId: string;
  /** From the container's labels, when it is one of ours. */
  pod?: PodRef;
  containerName?: string;
  isSandbox: boolean;
  time: number;
  exitCode?: number;
}

export interface ContainerStats {
  cpuUsageNanos: number;
  memoryUsageBytes: number;
  timestamp: number;
}

export interface RuntimeVersion {
  runtimeName: string;
  runtimeVersion: string;
  apiVersion: string;
}

// Capability interfaces, small on purpose (CRI's RuntimeService / ImageService split).

export interface SandboxService {
  runSandbox(config: SandboxConfig): Promise<string>;
  /** Stops the infra container; containers in it must be stopped by the caller first. */
  stopSandbox(id: string, graceSeconds?: number): Promise<void>;
  /** Removes the sandbox and every container in it. Idempotent. */
  removeSandbox(id: string): Promise<void>;
  sandboxStatus(id: string): Promise<SandboxStatus>;
  listSandboxes(filter?: { podUid?: string }): Promise<SandboxStatus[]>;
}

export interface ContainerService {
  createContainer(sandboxId: string, config: ContainerConfig, sandbox: SandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Sends the stop signal, then SIGKILL after graceSeconds. Idempotent on stopped containers. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus>;
  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]>;
}

export interface ImageService {
  /** Undefined when the image is not present locally. */
  imageStatus(ref: string): Promise<ImageStatus | undefined>;
  pullImage(ref: string, onProgress?: (p: PullProgress) => void, signal?: AbortSignal): Promise<ImageStatus>;
  removeImage(ref: string): Promise<void>;
  listImages(): Promise<ImageStatus[]>;
}

export interface ExecService {
  /** Runs cmd to completion or until timeoutMs, after which the process is killed. */
  execSync(containerId: string, cmd: string[], timeoutMs: number): Promise<ExecSyncResult>;
  exec(containerId: string, cmd: string[], opts: { tty: boolean; streams: ExecStreams; signal?: AbortSignal }): Promise<StreamingSession>;
  attach(containerId: string, opts: { streams: ExecStreams; signal?: AbortSignal }): Promise<StreamingSession>;
}

export interface PortForwardOptions {
  /** Aborting cancels a connection being made, or closes an open one (no error event). */
  signal?: AbortSignal;
}

export interface PortForwardService {
  /**
   * CRI's PortForward: a TCP connection to localhost:port inside the sandbox's network
   * namespace (so a server bound to 127.0.0.1 in the pod is reachable; for a hostNetwork sandbox,
   * the node's). Resolves once connected; rejects with a RuntimeError (ERR_PORT_FORWARD, with
   * e.g. `failed to connect to localhost:8080 inside namespace "<sandbox>": connect: connection
   * refused`; ERR_NOT_FOUND for an unknown sandbox) otherwise. `end()` half-closes toward the
   * pod; the readable side ends when the pod closes its side; `destroy()` drops the connection.
   */
  portForward(sandboxId: string, port: number, opts?: PortForwardOptions): Promise<Duplex>;
}

export interface LogService {
  /** Logs of a container (running or exited); chunks are demultiplexed, without frame headers. */
  logs(containerId: string, opts: LogOptions): AsyncIterable<LogChunk>;
}

export interface EventService {
  /** Engine lifecycle events; reconnects on its own until signal aborts. */
  events(signal: AbortSignal): AsyncIterable<RuntimeEvent>;
}

export interface StatsService {
  stats(containerId: string): Promise<ContainerStats>;
}

export interface Runtime
  extends SandboxService, ContainerService, ImageService, ExecService, PortForwardService, LogService, EventService, StatsService {
  version(): Promise<RuntimeVersion>;
  /** Host facts for node registration (cpu, memory, engine). */
  info(): Promise<{ cpus: number; memoryBytes: number; operatingSystem: string; kernelVersion: string; os: string; architecture: string }>;
}
