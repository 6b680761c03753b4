// The seam between the pod lifecycle (pod-sync) and everything that turns a Pod into runtime
// configs on this node: volumes and per-pod directories, managed /etc/hosts, DNS, env, the
// termination message file, QoS. The default implementation wires agent/pod-config,
// agent/volumes and agent/env; unit tests use a small fake.
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { readFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import type { ContainerConfig, ContainerStatus as RuntimeContainerStatus, ImageStatus, LogService, SandboxConfig, SandboxStatus } from '../runtime/types.ts';
import { ANN_TERMINATION_MESSAGE_POLICY } from '../runtime/labels.ts';
import type { ObjectLookup } from './env/object-lookup.ts';
import { emptyLookup } from './env/object-lookup.ts';
import type { NodeAllocatable } from './env/resource-field.ts';
import { podServiceEnv, type ServiceLister } from './env/service-env.ts';
import { buildContainerConfig } from './pod-config/container-config.ts';
import { CONTAINER_HASH_SCHEME, hashContainer } from './pod-config/container-hash.ts';
import { writeEtcHosts } from './pod-config/etc-hosts.ts';
import { podHostnameAndDomain } from './pod-config/hostname.ts';
import { computePodQos } from './pod-config/qos.ts';
import { buildSandboxConfig } from './pod-config/sandbox-config.ts';
import { verifyRunAsNonRoot } from './pod-config/security.ts';
import { isStaticPod } from './pod-util.ts';
import { removeOrphanedPodDirs, removePodDir, setupPodVolumes } from './volumes/pod-volumes.ts';
import { readTerminationMessage, terminationMessageHostPath } from './volumes/termination-message.ts';
import { defaultTmpfsMounter, type TmpfsMounter } from './volumes/tmpfs.ts';

export interface ContainerContext {
  attempt: number;
  restartCount: number;
  sandbox: SandboxStatus;
  sandboxConfig: SandboxConfig;
  image: ImageStatus;
  /** Warning events on the pod (env/DNS problems). */
  onEvent: (reason: string, message: string) => void;
}

export interface PodEnvironment {
  readonly hashScheme: string;
  hashOf(c: Container): string;
  qosClass(pod: Pod): string;
  /** Per-pod directories and volumes, then the sandbox config. Throws NodeletError (reason FailedMount…). */
  prepareSandbox(pod: Pod, attempt: number, onEvent: (reason: string, message: string) => void): Promise<SandboxConfig>;
  /** The container's runtime config. Throws NodeletError with reason CreateContainerConfigError. */
  prepareContainer(pod: Pod, container: Container, ctx: ContainerContext): Promise<ContainerConfig>;
  /** The termination message of an exited container ('' when none). */
  terminationMessage(pod: Pod, status: RuntimeContainerStatus): Promise<string>;
  /** Removes everything written for the pod on this node. */
  cleanupPod(uid: string): Promise<void>;
  /** Removes directories of pods not in keep (after a restart). */
  cleanupOrphans(keep: ReadonlySet<string>): Promise<string[]>;
}

export interface DefaultPodEnvironmentOptions {
  rootDir: string;
  logs: LogService;
  nodeIPs: readonly string[];
  nodeHostname?: string;
  clusterDomain?: string;
  clusterDNS?: readonly string[];
  /** resolv.conf pods inherit (default: the node's /etc/resolv.conf). */
  resolvConfPath?: string;
  allocatable: NodeAllocatable;
  memoryCapacityBytes: number;
  lookup?: ObjectLookup;
  /** The Service cache for service link variables; none (no API server): no such variables. */
  services?: ServiceLister;
  infraImage?: string;
  /** Host tmpfs mounts of memory emptyDirs (default: the process-wide mounter). */
  tmpfs?: TmpfsMounter;
}

export class DefaultPodEnvironment implements PodEnvironment {
  readonly hashScheme = CONTAINER_HASH_SCHEME;
  private hostResolv: string | undefined | null = null;

  private readonly tmpfs: TmpfsMounter;

  constructor(private readonly opts: DefaultPodEnvironmentOptions) {
    this.tmpfs = opts.tmpfs ?? defaultTmpfsMounter;
  }

  hashOf(c: Container): string {
    return hashContainer(c);
  }

  qosClass(pod: Pod): string {
    return computePodQos(pod);
  }

  private async resolvConf(): Promise<string | undefined> {
    if (this.hostResolv === null) {
      this.hostResolv = await readFile(this.opts.resolvConfPath ?? '/etc/resolv.conf', 'utf8').catch(() => undefined);
    }
    return this.hostResolv;
  }

  async prepareSandbox(pod: Pod, attempt: number, onEvent: (reason: string, message: string) => void): Promise<SandboxConfig> {
    await setupPodVolumes(pod, { rootDir: this.opts.rootDir, lookup: this.opts.lookup ?? emptyLookup, allocatable: this.opts.allocatable, tmpfs: this.tmpfs });
    return buildSandboxConfig(pod, {
      attempt,
      dns: {
        clusterDNS: this.opts.clusterDNS ?? [],
        clusterDomain: this.opts.clusterDomain ?? 'cluster.local',
        hostResolvConf: await this.resolvConf(),
        nodeIPs: this.opts.nodeIPs,
      },
      nodeHostname: this.opts.nodeHostname ?? osHostname(),
      ...(this.opts.infraImage === undefined ? {} : { image: this.opts.infraImage }),
      onEvent: (e) => { onEvent(e.reason, e.message); },
    });
  }

  async prepareContainer(pod: Pod, container: Container, ctx: ContainerContext): Promise<ContainerConfig> {
    // The image's USER decides runAsNonRoot when no runAsUser is set (kubelet verifyRunAsNonRoot).
    verifyRunAsNonRoot(pod, container, ctx.image.user ?? '');
    const serviceEnv = podServiceEnv(pod, this.opts.services, isStaticPod(pod));
    const lookup = this.opts.lookup ?? emptyLookup;
    const volumes = await setupPodVolumes(pod, { rootDir: this.opts.rootDir, lookup, allocatable: this.opts.allocatable, tmpfs: this.tmpfs });
    const hostNetwork = pod.spec?.hostNetwork === true;
    const podIPs = hostNetwork ? this.opts.nodeIPs : ctx.sandbox.ips;
    const names = podHostnameAndDomain(pod, this.opts.clusterDomain ?? 'cluster.local');
    const etcHosts = await writeEtcHosts(pod, { rootDir: this.opts.rootDir, podIPs, hostname: names.hostname, domain: names.domain });
    return buildContainerConfig(pod, container, {
      rootDir: this.opts.rootDir,
      attempt: ctx.attempt,
      restartCount: ctx.restartCount,
      lookup,
      podIPs,
      hostIPs: this.opts.nodeIPs,
      allocatable: this.opts.allocatable,
      memoryCapacityBytes: this.opts.memoryCapacityBytes,
      volumes,
      etcHosts,
      serviceEnv,
      isStaticPod: isStaticPod(pod),
      onEvent: (w) => { ctx.onEvent(w.reason, w.message); },
    });
  }

  async terminationMessage(pod: Pod, status: RuntimeContainerStatus): Promise<string> {
    const logs = this.opts.logs;
    return readTerminationMessage({
      hostPath: terminationMessageHostPath(this.opts.rootDir, pod.metadata?.uid ?? status.pod.uid, status.name, status.attempt),
      policy: status.annotations[ANN_TERMINATION_MESSAGE_POLICY],
      exitCode: status.exitCode,
      reason: status.reason,
      logTail: async (lines) => {
        const chunks: Buffer[] = [];
        for await (const c of logs.logs(status.id, { tailLines: lines })) chunks.push(c.data);
        return Buffer.concat(chunks);
      },
    });
  }

  cleanupPod(uid: string): Promise<void> {
    return removePodDir(this.opts.rootDir, uid, this.tmpfs);
  }

  cleanupOrphans(keep: ReadonlySet<string>): Promise<string[]> {
    return removeOrphanedPodDirs(this.opts.rootDir, keep, this.tmpfs);
  }
}
