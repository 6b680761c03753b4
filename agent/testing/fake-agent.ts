// An agent core wired on a FakeRuntime and a FakeClock, for unit tests of the pod lifecycle:
// real planner, executor, pod workers, prober manager, hooks, image manager, events and status;
// a small in-memory PodEnvironment instead of volumes and files.
import type { Container, Pod, PodStatus } from 'kubernetes-types/core/v1.d.ts';
import { FakeClock, flushMicrotasks } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/log.ts';
import { FakeRuntime } from '../../runtime/testing/fake-runtime.ts';
import type { ContainerConfig, ContainerStatus as RuntimeContainerStatus, SandboxConfig } from '../../runtime/types.ts';
import type { BackoffOptions } from '../backoff.ts';
import { Backoff } from '../backoff.ts';
import { EventRecorder } from '../events.ts';
import { LifecycleHooks } from '../hooks/lifecycle-hooks.ts';
import { ImageManager } from '../images.ts';
import type { ContainerContext, PodEnvironment } from '../pod-environment.ts';
import { containerAnnotations } from '../pod-config/container-config.ts';
import { CONTAINER_HASH_SCHEME, hashContainer } from '../pod-config/container-hash.ts';
import { computePodQos } from '../pod-config/qos.ts';
import { PodSyncer } from '../pod-sync.ts';
import { PodWorkers } from '../pod-worker.ts';
import type { AdmissionOptions } from '../admission.ts';
import { admitPod } from '../admission.ts';
import { podRefOf } from '../pod-util.ts';
import { ProberManager } from '../prober/prober-manager.ts';
import type { GrpcHealthResult, HttpGetResponse, ProbeTransport } from '../prober/transport.ts';
import { TransportError } from '../prober/transport.ts';
import { StatusManager } from '../status/status-manager.ts';

/** In-memory PodEnvironment: records what it was asked, can be told to fail. */
export class FakePodEnvironment implements PodEnvironment {
  readonly hashScheme = CONTAINER_HASH_SCHEME;
  readonly cleaned: string[] = [];
  readonly terminationMessages = new Map<string, string>();
  configError: ((c: Container) => string | undefined) | undefined;
  sandboxError: string | undefined;

  hashOf(c: Container): string {
    return hashContainer(c);
  }

  qosClass(pod: Pod): string {
    return computePodQos(pod);
  }

  prepareSandbox(pod: Pod, attempt: number): Promise<SandboxConfig> {
    if (this.sandboxError !== undefined) return Promise.reject(new Error(this.sandboxError));
    return Promise.resolve({
      pod: podRefOf(pod), attempt, hostname: pod.metadata?.name ?? '', portMappings: [],
      namespaces: { network: pod.spec?.hostNetwork === true ? 'node' : 'pod', ipc: 'pod', pid: 'container' },
      sysctls: {}, labels: { ...(pod.metadata?.labels ?? {}) }, annotations: {},
    });
  }

  prepareContainer(pod: Pod, container: Container, ctx: ContainerContext): Promise<ContainerConfig> {
    const err = this.configError?.(container);
    if (err !== undefined) return Promise.reject(Object.assign(new Error(err), { reason: 'CreateContainerConfigError' }));
    return Promise.resolve({
      name: container.name, attempt: ctx.attempt, image: container.image ?? '',
      ...(container.command === undefined ? {} : { command: container.command }),
      ...(container.args === undefined ? {} : { args: container.args }),
      env: (container.env ?? []).map((e) => ({ name: e.name, value: e.value ?? '' })),
      tty: false, stdin: false, stdinOnce: false, mounts: [], resources: {}, security: {},
      labels: {}, annotations: containerAnnotations(pod, container, ctx.restartCount),
    });
  }

  terminationMessage(_pod: Pod, status: RuntimeContainerStatus): Promise<string> {
    return Promise.resolve(this.terminationMessages.get(status.name) ?? '');
  }

  cleanupPod(uid: string): Promise<void> {
    this.cleaned.push(uid);
    return Promise.resolve();
  }

  cleanupOrphans(): Promise<string[]> {
    return Promise.resolve([]);
  }
}

/** A transport whose answers tests set per port. */
export class FakeTransport implements ProbeTransport {
  readonly http = new Map<number, number>();
  readonly tcp = new Set<number>();
  httpGet(spec: { port: number }): Promise<HttpGetResponse> {
    const code = this.http.get(spec.port);
    if (code === undefined) return Promise.reject(new TransportError('connect', `dial tcp: connect: connection refused`));
    return Promise.resolve({ statusCode: code, body: 'ok' });
  }
  tcpConnect(spec: { port: number }): Promise<void> {
    return this.tcp.has(spec.port) ? Promise.resolve() : Promise.reject(new TransportError('connect', 'connection refused'));
  }
  grpcHealthCheck(): Promise<GrpcHealthResult> {
    return Promise.reject(new TransportError('connect', 'connection refused'));
  }
}

export interface FakeAgentOptions {
  images?: string[];
  registry?: string[];
  backoff?: BackoffOptions;
  admission?: Partial<AdmissionOptions>;
}

export class FakeAgent {
  readonly clock = new FakeClock();
  readonly runtime: FakeRuntime;
  readonly env = new FakePodEnvironment();
  readonly events: EventRecorder;
  readonly backoff: Backoff;
  readonly status = new StatusManager(undefined);
  readonly transport = new FakeTransport();
  readonly prober: ProberManager;
  readonly stopEvents: () => void;
  private readonly statusHistory: { uid: string; status: PodStatus }[] = [];
  readonly hooks: LifecycleHooks;
  readonly syncer: PodSyncer;
  readonly workers: PodWorkers;

  constructor(opts: FakeAgentOptions = {}) {
    const clock = this.clock;
    const runtime = new FakeRuntime({ clock, images: opts.images ?? ['busybox:1', 'localhost/busybox:local'], registry: opts.registry ?? [] });
    this.runtime = runtime;
    this.events = new EventRecorder({ clock, nodeName: 'node-1' });
    this.backoff = new Backoff(clock, opts.backoff ?? {});
    this.prober = new ProberManager({
      clock, exec: this.runtime, transport: this.transport, events: this.events,
      onChange: (c) => { this.workers.sync(c.podUid); },
    });
    this.hooks = new LifecycleHooks({ clock, exec: this.runtime, transport: this.transport, events: this.events });
    const images = new ImageManager({ images: this.runtime, clock, backoff: new Backoff(clock), events: this.events });
    this.syncer = new PodSyncer({
      runtime: this.runtime, clock, env: this.env, images, events: this.events, backoff: this.backoff,
      prober: this.prober, hooks: this.hooks, status: this.status, nodeIPs: ['192.168.0.10'], log: silentLogger,
    });
    const admission: AdmissionOptions = { nodeOS: 'linux', maxPods: 110, ...opts.admission };
    this.workers = new PodWorkers({
      syncer: this.syncer, status: this.status, clock, log: silentLogger,
      admit: (pod, active) => admitPod(pod, active, admission),
    });
    this.status.onChange((pod, status) => { this.statusHistory.push({ uid: pod.metadata?.uid ?? '', status: structuredClone(status) }); });
    // PLEG: runtime events re-sync the affected pod
    const ac = new AbortController();
    this.stopEvents = () => { ac.abort(); };
    const workers = this.workers;
    void (async () => {
      for await (const e of runtime.events(ac.signal)) {
        if (e.pod !== undefined) workers.sync(e.pod.uid);
      }
    })();
  }

  /** Adds/updates a pod and lets the workers settle. */
  async apply(pod: Pod): Promise<void> {
    this.workers.upsert(pod);
    await this.settle();
  }

  async remove(uid: string): Promise<void> {
    this.workers.remove(uid);
    await this.settle();
  }

  /** Moves time and lets every worker finish what became due. */
  async step(ms: number): Promise<void> {
    await this.clock.step(ms);
    await this.settle();
  }

  /** Lets due work run without moving time (a worker waiting on the clock stays waiting). */
  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await this.clock.step(0);
      await Promise.race([this.workers.whenIdle(), flushMicrotasks(50)]);
    }
  }

  /** Every distinct status published for the pod, in order. */
  history(uid: string): PodStatus[] {
    return this.statusHistory.filter((h) => h.uid === uid).map((h) => h.status);
  }

  /** Waiting reasons a container went through (deduplicated consecutive). */
  waitingReasons(uid: string, container: string): string[] {
    const out: string[] = [];
    for (const s of this.history(uid)) {
      const c = [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])].find((x) => x.name === container);
      const r = c?.state?.waiting?.reason;
      if (r !== undefined && out.at(-1) !== r) out.push(r);
    }
    return out;
  }

  statusOf(uid: string): PodStatus {
    const s = this.status.get(uid);
    if (s === undefined) throw new Error(`no status for ${uid}`);
    return s;
  }

  /** Event summaries for a pod: "Reason: message". */
  eventLog(uid: string): string[] {
    return this.events.list(uid).map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
  }

  close(): void {
    this.workers.stop();
    this.prober.stop();
    this.stopEvents();
  }
}

let podSeq = 0;
/** A pod with defaults; containers given by name get image busybox:1. */
export function testPod(spec: Partial<NonNullable<Pod['spec']>> & { name?: string }): Pod {
  podSeq++;
  const { name, ...rest } = spec;
  return {
    metadata: { name: name ?? `pod${podSeq}`, namespace: 'default', uid: `uid-${podSeq}` },
    spec: { containers: [{ name: 'app', image: 'busybox:1' }], terminationGracePeriodSeconds: 30, ...rest },
  };
}
