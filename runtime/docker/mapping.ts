// Pure translation between nodelet's runtime types and the Docker Engine API (1.41): configs →
// create options, inspect/list results → statuses, engine events → RuntimeEvent. No I/O here, so
// every Kubernetes→Docker rule (dockershim/cri-dockerd's, peers doc §1) is unit-tested in a table.
import type Docker from 'dockerode';
import {
  ANNOTATION_PREFIX,
  DOCKER_TYPE_CONTAINER,
  DOCKER_TYPE_SANDBOX,
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_DOCKER_TYPE,
  LABEL_MANAGED_BY,
  LABEL_NODE_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_SANDBOX_ID,
  MANAGED_BY_VALUE,
  SANDBOX_CONTAINER_NAME,
  containerName,
  sandboxName,
} from '../labels.ts';
import type {
  ContainerConfig,
  ContainerState,
  ContainerStatus,
  ImageStatus,
  Mount,
  PodRef,
  RuntimeEvent,
  RuntimeEventType,
  SandboxConfig,
  SandboxStatus,
} from '../types.ts';
import { parseContainerName } from './naming.ts';

/** Docker's default /dev/shm is 64 MiB too, but kubelet sets it explicitly (cri-dockerd defaultShmSize). */
export const SHM_SIZE_BYTES = 64 * 1024 * 1024;
export const SANDBOX_OOM_SCORE_ADJ = -998;
export const SANDBOX_CPU_SHARES = 2;

/** Label keys the runtime itself writes; they are not echoed back as the caller's labels. */
const RUNTIME_LABEL_KEYS = new Set([
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  LABEL_CONTAINER_NAME,
  LABEL_DOCKER_TYPE,
  LABEL_SANDBOX_ID,
  LABEL_MANAGED_BY,
  LABEL_NODE_NAME,
  LABEL_ATTEMPT,
]);

type Labels = Record<string, string>;

const NODELET_LABEL_PREFIX = 'io.nodelet.';

// ---------------------------------------------------------------------------------------------
// labels and filters

function podLabels(pod: PodRef): Labels {
  return { [LABEL_POD_NAME]: pod.name, [LABEL_POD_NAMESPACE]: pod.namespace, [LABEL_POD_UID]: pod.uid };
}

function ownerLabels(nodeName: string): Labels {
  return { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_NODE_NAME]: nodeName };
}

/** Caller labels, then annotations under the `annotation.` prefix, then the runtime's own (which win). */
export function buildLabels(labels: Labels, annotations: Labels, own: Labels): Labels {
  const out: Labels = { ...labels };
  for (const [k, v] of Object.entries(annotations)) out[ANNOTATION_PREFIX + k] = v;
  return { ...out, ...own };
}

/** Inverse of buildLabels: the caller's labels and annotations, without the runtime's keys. */
export function splitLabels(all: Labels | null | undefined): { labels: Labels; annotations: Labels } {
  const labels: Labels = {};
  const annotations: Labels = {};
  for (const [k, v] of Object.entries(all ?? {})) {
    if (k.startsWith(ANNOTATION_PREFIX)) annotations[k.slice(ANNOTATION_PREFIX.length)] = v;
    // io.nodelet.* are nodelet's own (including the labels its local images carry, which the
    // engine merges into every container's labels).
    else if (!RUNTIME_LABEL_KEYS.has(k) && !k.startsWith(NODELET_LABEL_PREFIX)) labels[k] = v;
  }
  return { labels, annotations };
}

/** Label filters for list/events calls: only what this node's nodelet created, of one kind. */
export function ownedFilters(nodeName: string, type?: 'podsandbox' | 'container', extra: Labels = {}): string[] {
  const wanted: Labels = { ...ownerLabels(nodeName), ...(type === undefined ? {} : { [LABEL_DOCKER_TYPE]: type }), ...extra };
  return Object.entries(wanted).map(([k, v]) => `${k}=${v}`);
}

export function podRefFromLabels(labels: Labels | null | undefined, name?: string): PodRef | undefined {
  const l = labels ?? {};
  const podName = l[LABEL_POD_NAME];
  const namespace = l[LABEL_POD_NAMESPACE];
  const uid = l[LABEL_POD_UID];
  if (podName !== undefined && namespace !== undefined && uid !== undefined) return { name: podName, namespace, uid };
  const parsed = name === undefined ? undefined : parseContainerName(name);
  return parsed?.pod;
}

function attemptOf(labels: Labels | null | undefined, name: string): number {
  const fromLabel = labels?.[LABEL_ATTEMPT];
  if (fromLabel !== undefined && /^\d+$/.test(fromLabel)) return Number(fromLabel);
  return parseContainerName(name)?.attempt ?? 0;
}

// ---------------------------------------------------------------------------------------------
// time

/** Docker reports unset times as 0001-01-01T00:00:00Z; nodelet uses 0. */
export function dockerTimeMs(value: string | undefined | null): number {
  if (value === undefined || value === null || value === '' || value.startsWith('0001-01-01')) return 0;
  const ms = Date.parse(value);
  return Number.isNaN(ms) || ms < 0 ? 0 : ms;
}

// ---------------------------------------------------------------------------------------------
// sandbox

export interface SandboxCreateContext {
  nodeName: string;
  image: string;
}

function protoName(p: 'TCP' | 'UDP' | 'SCTP'): string {
  return p.toLowerCase();
}

export function sandboxCreateOptions(config: SandboxConfig, ctx: SandboxCreateContext): Docker.ContainerCreateOptions {
  const hostNetwork = config.namespaces.network === 'node';
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  // Only the owner of the network namespace may publish ports (peers doc §1.14); with
  // hostNetwork the container already listens on the node, so nothing is published.
  if (!hostNetwork) {
    for (const pm of config.portMappings) {
      const key = `${pm.containerPort}/${protoName(pm.protocol)}`;
      exposed[key] = {};
      if (pm.hostPort > 0) {
        (bindings[key] ??= []).push({ HostIp: pm.hostIP ?? '', HostPort: String(pm.hostPort) });
      }
    }
  }
  const own: Labels = {
    ...podLabels(config.pod),
    [LABEL_CONTAINER_NAME]: SANDBOX_CONTAINER_NAME,
    [LABEL_DOCKER_TYPE]: DOCKER_TYPE_SANDBOX,
    [LABEL_ATTEMPT]: String(config.attempt),
    ...ownerLabels(ctx.nodeName),
  };
  const hostConfig: Docker.HostConfig = {
    NetworkMode: hostNetwork ? 'host' : 'bridge',
    // shareable: the pod's containers join this IPC namespace and its /dev/shm.
    IpcMode: config.namespaces.ipc === 'node' ? 'host' : 'shareable',
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    OomScoreAdj: SANDBOX_OOM_SCORE_ADJ,
    CpuShares: SANDBOX_CPU_SHARES,
    ShmSize: SHM_SIZE_BYTES,
    PortBindings: bindings,
  };
  if (config.namespaces.pid === 'node') hostConfig.PidMode = 'host';
  // Docker writes the sandbox's resolv.conf from these; joined containers share that file.
  if (config.dns !== undefined) {
    hostConfig.Dns = config.dns.servers;
    hostConfig.DnsSearch = config.dns.searches;
    hostConfig.DnsOptions = config.dns.options;
  }
  if (Object.keys(config.sysctls).length > 0) hostConfig.Sysctls = { ...config.sysctls };
  if (config.cgroupParent !== undefined) hostConfig.CgroupParent = config.cgroupParent;
  return {
    name: sandboxName(config.pod, config.attempt),
    Image: ctx.image,
    Hostname: config.hostname,
    Labels: buildLabels(config.labels, config.annotations, own),
    ExposedPorts: exposed,
    Healthcheck: { Test: ['NONE'] },
    HostConfig: hostConfig,
  };
}

function ipsOf(networks: Record<string, { IPAddress?: string; GlobalIPv6Address?: string } | undefined> | undefined, fallback?: string): string[] {
  const ips: string[] = [];
  for (const net of Object.values(networks ?? {})) {
    if (net?.IPAddress) ips.push(net.IPAddress);
    if (net?.GlobalIPv6Address) ips.push(net.GlobalIPv6Address);
  }
  if (ips.length === 0 && fallback) ips.push(fallback);
  return [...new Set(ips)];
}

export function sandboxStatusFromInspect(info: Docker.ContainerInspectInfo): SandboxStatus {
  const hostNetwork = info.HostConfig.NetworkMode === 'host';
  const running = info.State.Running;
  const labels = info.Config.Labels as Labels | null;
  const legacy = info.NetworkSettings as { IPAddress?: string };
  return {
    id: info.Id,
    pod: podRefFromLabels(labels, info.Name) ?? { name: '', namespace: '', uid: '' },
    attempt: attemptOf(labels, info.Name),
    state: running ? 'ready' : 'notready',
    createdAt: dockerTimeMs(info.Created),
    ips: hostNetwork || !running ? [] : ipsOf(info.NetworkSettings.Networks, legacy.IPAddress),
    hostNetwork,
    ...splitLabels(labels),
  };
}

/** From a list (docker ps) entry: enough for a sandbox, without an inspect per pod. */
export function sandboxStatusFromSummary(info: Docker.ContainerInfo): SandboxStatus {
  const hostNetwork = info.HostConfig.NetworkMode === 'host';
  const running = info.State === 'running';
  const name = info.Names[0] ?? '';
  return {
    id: info.Id,
    pod: podRefFromLabels(info.Labels, name) ?? { name: '', namespace: '', uid: '' },
    attempt: attemptOf(info.Labels, name),
    state: running ? 'ready' : 'notready',
    createdAt: info.Created * 1000,
    ips: hostNetwork || !running ? [] : ipsOf(info.NetworkSettings.Networks),
    hostNetwork,
    ...splitLabels(info.Labels),
  };
}

// ---------------------------------------------------------------------------------------------
// containers

export interface ContainerCreateContext {
  nodeName: string;
  /** The image's configured user, needed only when runAsGroup is set without runAsUser. */
  imageUser?: string;
}

function bindSpec(m: Mount): string | undefined {
  // Binds (not Mounts) because, like dockershim, a missing host directory is created by the engine.
  if (m.hostPath.includes(':') || m.containerPath.includes(':')) return undefined;
  const opts: string[] = [];
  if (m.readOnly) opts.push('ro');
  if (m.propagation !== undefined) opts.push(m.propagation);
  return `${m.hostPath}:${m.containerPath}${opts.length > 0 ? `:${opts.join(',')}` : ''}`;
}

function userSpec(config: ContainerConfig, imageUser: string | undefined): string | undefined {
  const { runAsUser, runAsGroup } = config.security;
  if (runAsUser !== undefined) return runAsGroup === undefined ? String(runAsUser) : `${runAsUser}:${runAsGroup}`;
  if (runAsGroup !== undefined) {
    // Docker has no "group only": keep the image's user and override its group.
    const base = (imageUser ?? '').split(':')[0] ?? '';
    return `${base === '' ? '0' : base}:${runAsGroup}`;
  }
  return undefined;
}

export function containerCreateOptions(
  sandboxId: string,
  config: ContainerConfig,
  sandbox: SandboxConfig,
  ctx: ContainerCreateContext,
): Docker.ContainerCreateOptions {
  const joined = `container:${sandboxId}`;
  const hostConfig: Docker.HostConfig = {
    NetworkMode: joined,
    IpcMode: joined,
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    ShmSize: SHM_SIZE_BYTES,
  };
  if (sandbox.namespaces.pid === 'pod') hostConfig.PidMode = joined;
  else if (sandbox.namespaces.pid === 'node') hostConfig.PidMode = 'host';
  if (sandbox.namespaces.network === 'node') hostConfig.UTSMode = 'host';
  if (sandbox.cgroupParent !== undefined) hostConfig.CgroupParent = sandbox.cgroupParent;

  const binds: string[] = [];
  const mounts: Docker.MountSettings[] = [];
  const tmpfs: Record<string, string> = {};
  for (const m of config.mounts) {
    if (m.tmpfs !== undefined) {
      const opts: string[] = [];
      if (m.tmpfs.sizeBytes !== undefined) opts.push(`size=${m.tmpfs.sizeBytes}`);
      if (m.readOnly) opts.push('ro');
      tmpfs[m.containerPath] = opts.join(',');
      continue;
    }
    const spec = bindSpec(m);
    if (spec !== undefined) binds.push(spec);
    else {
      mounts.push({
        Type: 'bind',
        Source: m.hostPath,
        Target: m.containerPath,
        ReadOnly: m.readOnly,
        ...(m.propagation === undefined ? {} : { BindOptions: { Propagation: m.propagation } }),
      });
    }
  }
  if (binds.length > 0) hostConfig.Binds = binds;
  if (mounts.length > 0) hostConfig.Mounts = mounts;
  if (Object.keys(tmpfs).length > 0) hostConfig.Tmpfs = tmpfs;

  const r = config.resources;
  if (r.memoryLimitBytes !== undefined && r.memoryLimitBytes > 0) {
    // Memory == MemorySwap: no swap on top of the limit (cri-dockerd updateCreateConfig).
    hostConfig.Memory = r.memoryLimitBytes;
    hostConfig.MemorySwap = r.memoryLimitBytes;
  }
  if (r.cpuShares !== undefined) hostConfig.CpuShares = r.cpuShares;
  if (r.cpuQuota !== undefined) hostConfig.CpuQuota = r.cpuQuota;
  if (r.cpuPeriod !== undefined) hostConfig.CpuPeriod = r.cpuPeriod;
  if (r.oomScoreAdj !== undefined) hostConfig.OomScoreAdj = r.oomScoreAdj;

  const s = config.security;
  if (s.privileged === true) hostConfig.Privileged = true;
  if (s.capAdd !== undefined && s.capAdd.length > 0) hostConfig.CapAdd = [...s.capAdd];
  if (s.capDrop !== undefined && s.capDrop.length > 0) hostConfig.CapDrop = [...s.capDrop];
  if (s.readOnlyRootFilesystem === true) hostConfig.ReadonlyRootfs = true;
  if (s.noNewPrivileges === true) hostConfig.SecurityOpt = ['no-new-privileges'];
  if (s.supplementalGroups !== undefined && s.supplementalGroups.length > 0) hostConfig.GroupAdd = s.supplementalGroups.map(String);

  const own: Labels = {
    ...podLabels(sandbox.pod),
    [LABEL_CONTAINER_NAME]: config.name,
    [LABEL_DOCKER_TYPE]: DOCKER_TYPE_CONTAINER,
    [LABEL_SANDBOX_ID]: sandboxId,
    [LABEL_ATTEMPT]: String(config.attempt),
    ...ownerLabels(ctx.nodeName),
  };
  const opts: Docker.ContainerCreateOptions = {
    name: containerName(config.name, sandbox.pod, config.attempt),
    Image: config.image,
    Env: config.env.map((e) => `${e.name}=${e.value}`),
    Tty: config.tty,
    OpenStdin: config.stdin,
    StdinOnce: config.stdinOnce,
    AttachStdin: config.stdin,
    AttachStdout: true,
    AttachStderr: true,
    Labels: buildLabels(config.labels, config.annotations, own),
    // Image HEALTHCHECKs are not Kubernetes probes (k/k#25829).
    Healthcheck: { Test: ['NONE'] },
    HostConfig: hostConfig,
  };
  const command = config.command !== undefined && config.command.length > 0 ? config.command : undefined;
  const args = config.args !== undefined && config.args.length > 0 ? config.args : undefined;
  if (command !== undefined) {
    opts.Entrypoint = [...command];
    // Kubernetes: command without args drops the image's CMD. An explicit [] says so (Docker
    // only merges the image's Cmd when no Entrypoint is given, but we do not rely on that).
    opts.Cmd = args === undefined ? [] : [...args];
  } else if (args !== undefined) {
    opts.Cmd = [...args];
  }
  if (config.workingDir !== undefined && config.workingDir !== '') opts.WorkingDir = config.workingDir;
  const user = userSpec(config, ctx.imageUser);
  if (user !== undefined) opts.User = user;
  if (config.stopSignal !== undefined && config.stopSignal !== '') opts.StopSignal = config.stopSignal;
  return opts;
}

/** `docker-pullable://repo@sha256:…` when the image came from a registry, else `docker://sha256:…`. */
export function imageIdFor(imageId: string, repoDigests: string[] | null | undefined, ref?: string): string {
  const digests = repoDigests ?? [];
  if (digests.length > 0) {
    const repo = ref === undefined ? undefined : repoOf(ref);
    const match = digests.find((d) => repo !== undefined && d.startsWith(`${repo}@`)) ?? digests[0];
    return `docker-pullable://${match ?? ''}`;
  }
  return `docker://${imageId}`;
}

/** Repository part of an image reference (no tag, no digest). */
export function repoOf(ref: string): string {
  const noDigest = ref.split('@')[0] ?? ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

export interface ImageFacts {
  id: string;
  repoDigests: string[];
}

function exitedReason(state: Docker.ContainerInspectInfo['State']): string {
  if (state.OOMKilled) return 'OOMKilled';
  return state.ExitCode === 0 ? 'Completed' : 'Error';
}

export function containerStatusFromInspect(info: Docker.ContainerInspectInfo, image?: ImageFacts): ContainerStatus {
  const labels = info.Config.Labels as Labels | null;
  const st = info.State;
  const createdAt = dockerTimeMs(info.Created);
  let startedAt = dockerTimeMs(st.StartedAt);
  let finishedAt = dockerTimeMs(st.FinishedAt);
  let state: ContainerState;
  let reason = '';
  if (st.Running || st.Restarting || st.Paused) {
    state = 'running';
    finishedAt = 0;
  } else if (finishedAt !== 0) {
    state = 'exited';
    reason = exitedReason(st);
  } else if (st.ExitCode !== 0 || st.Error !== '') {
    // The process never ran (bad command, missing mount source…): Docker leaves FinishedAt unset.
    state = 'exited';
    reason = 'ContainerCannotRun';
    startedAt = createdAt;
    finishedAt = createdAt;
  } else if (st.Status === 'dead' || st.Status === 'exited') {
    state = 'exited';
    reason = exitedReason(st);
  } else if (st.Status === 'created') {
    state = 'created';
  } else {
    state = 'unknown';
  }
  const parsed = parseContainerName(info.Name);
  return {
    id: info.Id,
    name: labels?.[LABEL_CONTAINER_NAME] ?? parsed?.container ?? info.Name.replace(/^\//, ''),
    attempt: attemptOf(labels, info.Name),
    sandboxId: labels?.[LABEL_SANDBOX_ID] ?? '',
    pod: podRefFromLabels(labels, info.Name) ?? { name: '', namespace: '', uid: '' },
    state,
    createdAt,
    startedAt,
    finishedAt,
    exitCode: state === 'exited' ? st.ExitCode : 0,
    reason,
    message: st.Error,
    image: info.Config.Image,
    imageId: imageIdFor(image?.id ?? info.Image, image?.repoDigests, info.Config.Image),
    containerId: `docker://${info.Id}`,
    ...splitLabels(labels),
  };
}

// ---------------------------------------------------------------------------------------------
// images

export interface ImageInfoLike {
  Id: string;
  RepoTags?: string[] | null | undefined;
  RepoDigests?: string[] | null | undefined;
  Size: number;
  /** Present on inspect results, not on list entries. */
  Config?: { User?: string | null | undefined } | null | undefined;
}

export function imageStatusFrom(info: ImageInfoLike): ImageStatus {
  const status: ImageStatus = {
    id: info.Id,
    repoTags: (info.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
    repoDigests: (info.RepoDigests ?? []).filter((d) => d !== '<none>@<none>'),
    sizeBytes: info.Size,
  };
  const user = info.Config?.User;
  if (typeof user === 'string' && user !== '') status.user = user;
  return status;
}

// ---------------------------------------------------------------------------------------------
// events

export interface EngineEventMessage {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Labels };
  time?: number;
  timeNano?: number;
}

export const WATCHED_ACTIONS: readonly RuntimeEventType[] = ['create', 'start', 'die', 'oom', 'destroy', 'stop'];

export function eventFromMessage(msg: EngineEventMessage): RuntimeEvent | undefined {
  if (msg.Type !== undefined && msg.Type !== 'container') return undefined;
  const action = msg.Action ?? msg.status;
  if (action === undefined || !(WATCHED_ACTIONS as readonly string[]).includes(action)) return undefined;
  const id = msg.Actor?.ID ?? msg.id;
  if (id === undefined) return undefined;
  const attrs = msg.Actor?.Attributes ?? {};
  const time = msg.timeNano !== undefined ? Math.floor(msg.timeNano / 1e6) : (msg.time ?? 0) * 1000;
  const event: RuntimeEvent = {
    type: action as RuntimeEventType,
    containerId: id,
    isSandbox: attrs[LABEL_DOCKER_TYPE] === DOCKER_TYPE_SANDBOX,
    time,
  };
  const pod = podRefFromLabels(attrs);
  if (pod !== undefined) event.pod = pod;
  const name = attrs[LABEL_CONTAINER_NAME];
  if (name !== undefined) event.containerName = name;
  const exit = attrs['exitCode'];
  if (action === 'die' && exit !== undefined && /^-?\d+$/.test(exit)) event.exitCode = Number(exit);
  return event;
}
