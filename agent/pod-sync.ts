// The executor: carries out a plan (planner.ts) on the Runtime, in the kubelet's SyncPod order —
// kill what must go, sandbox first, init containers strictly in order, sidecars, regular
// containers — with back-off, image pulls, postStart hooks and events; terminates pods (preStop,
// grace, sidecars last in reverse order, sandbox stopped); garbage-collects dead instances; and
// generates the pod's status after every step. One call at a time per pod (pod-worker.ts).
import type { Container, Pod, PodStatus } from 'kubernetes-types/core/v1.d.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { isNotFound } from '../runtime/errors.ts';
import { ANN_CONTAINER_TYPE, ANN_PRESTOP_HANDLER, ANN_TERMINATION_GRACE } from '../runtime/labels.ts';
import type { ContainerStatus as RuntimeContainerStatus, Runtime, SandboxConfig, SandboxStatus } from '../runtime/types.ts';
import type { Backoff } from './backoff.ts';
import type { EventRecorder } from './events.ts';
import type { LifecycleHooks } from './hooks/lifecycle-hooks.ts';
import type { ImageManager } from './images.ts';
import type { ContainerKill, ContainerStart, KillReason, PodActions, ProbeResultsView } from './planner.ts';
import { computePodActions } from './planner.ts';
import type { PodEnvironment } from './pod-environment.ts';
import type { ContainerKind } from './pod-util.ts';
import {
  DEFAULT_TERMINATION_GRACE_SECONDS, MIN_GRACE_SECONDS, containersOf, findContainer, formatPod, initContainersOf, isRestartableInit,
  latestByName, podRefOf, sortNewestFirst,
} from './pod-util.ts';
import type { ObservedContainer, ProberManager } from './prober/prober-manager.ts';
import type { StartError } from './status/container-statuses.ts';
import { DEADLINE_EXCEEDED, DEADLINE_EXCEEDED_MESSAGE, deadlineExceeded, generatePodStatus } from './status/generate.ts';
import { isTerminalPhase } from './status/phase.ts';
import type { StatusManager } from './status/status-manager.ts';

/** What the agent remembers about one pod between syncs (owned by its pod worker). */
export interface PodState {
  pod: Pod;
  /** The kubelet's reason cache: last start failure per container name. */
  startErrors: Map<string, StartError>;
  /** Termination messages of exited containers, by runtime id (they never change). */
  terminationMessages: Map<string, string>;
  /** Forced terminal status (activeDeadlineSeconds, admission). */
  terminal?: { phase: 'Failed' | 'Succeeded'; reason?: string; message?: string };
  /** Sandbox configs by sandbox id (rebuilt after an agent restart). */
  sandboxConfigs: Map<string, SandboxConfig>;
  /** Aborted when the pod starts terminating: in-flight postStart hooks and pulls stop waiting. */
  abort: AbortController;
  /** When the agent first saw the pod (for pod start latency). */
  firstSeen: number;
}

export function newPodState(pod: Pod, now: number): PodState {
  return { pod, startErrors: new Map(), terminationMessages: new Map(), sandboxConfigs: new Map(), abort: new AbortController(), firstSeen: now };
}

export interface Observed {
  sandboxes: SandboxStatus[];
  containers: RuntimeContainerStatus[];
}

export interface SyncOutcome {
  /** The pod reached a terminal phase (or a forced one): the worker must terminate it. */
  terminal: boolean;
  /** Sync again after this many ms (back-off expiry, deadline, error retry). */
  resyncAfterMs?: number;
  /** Every regular container is running (for start-latency metrics). */
  allRunning: boolean;
}

export interface PodSyncOptions {
  runtime: Runtime;
  clock: Clock;
  env: PodEnvironment;
  images: ImageManager;
  events: EventRecorder;
  /** Crash-loop back-off (containers). */
  backoff: Backoff;
  prober: ProberManager;
  hooks: LifecycleHooks;
  status: StatusManager;
  nodeIPs: readonly string[];
  log: Logger;
  /** Retry delay after a failed sync step (sandbox creation, volumes). Default 10 s. */
  syncErrorRetryMs?: number;
  /** Periodic re-sync of a healthy pod (status refresh). Default 60 s. */
  resyncIntervalMs?: number;
}

interface KillTarget {
  status: RuntimeContainerStatus;
  spec: Container | undefined;
  kind: ContainerKind;
  message?: string;
  reason: KillReason;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errReason(err: unknown): string | undefined {
  if (err !== null && typeof err === 'object' && 'reason' in err) {
    const r = err.reason;
    return typeof r === 'string' ? r : undefined;
  }
  return undefined;
}

export class PodSyncer {
  private readonly log: Logger;

  constructor(private readonly o: PodSyncOptions) {
    this.log = o.log;
  }

  async observe(uid: string): Promise<Observed> {
    const [sandboxes, containers] = await Promise.all([
      this.o.runtime.listSandboxes({ podUid: uid }),
      this.o.runtime.listContainers({ podUid: uid }),
    ]);
    return { sandboxes, containers };
  }

  // ---- sync ------------------------------------------------------------------------------------

  /** One SyncPod: observe, plan, execute, publish status. */
  async syncPod(state: PodState): Promise<SyncOutcome> {
    const { clock } = this.o;
    const pod = state.pod;
    const uid = podRefOf(pod).uid;
    const log = this.log.child({ pod: formatPod(pod) });
    let obs = await this.observe(uid);
    this.syncProber(pod, obs);

    // activeDeadlineSeconds (from status.startTime)
    const old = this.o.status.get(uid);
    const startTime = old?.startTime;
    if (state.terminal === undefined && deadlineExceeded(pod, startTime, clock.now())) {
      state.terminal = { phase: 'Failed', reason: DEADLINE_EXCEEDED, message: DEADLINE_EXCEEDED_MESSAGE };
      this.o.events.podEvent(pod, 'Normal', 'DeadlineExceeded', DEADLINE_EXCEEDED_MESSAGE);
    }
    const pre = await this.publishStatus(state, obs, false);
    if (state.terminal !== undefined || isTerminalPhase(pre.phase)) return { terminal: true, allRunning: false };

    const probes = this.probeView(uid, obs.containers);
    const plan = computePodActions({
      pod, sandboxes: obs.sandboxes, containers: obs.containers, hashOf: (c) => this.o.env.hashOf(c), hashScheme: this.o.env.hashScheme,
      probes, backoff: this.o.backoff, now: clock.now(),
    });
    log.debug({ plan: summarize(plan) }, 'sync plan');
    let resyncAfterMs: number | undefined;
    const soon = (ms: number): void => { resyncAfterMs = resyncAfterMs === undefined ? ms : Math.min(resyncAfterMs, ms); };

    try {
      await this.execute(state, plan, obs, soon);
    } catch (err) {
      log.warn({ err: errMessage(err) }, 'pod sync failed; will retry');
      soon(this.o.syncErrorRetryMs ?? 10_000);
    }

    obs = await this.observe(uid);
    this.syncProber(pod, obs);
    const post = await this.publishStatus(state, obs, false);
    await this.gc(obs);
    const ads = pod.spec?.activeDeadlineSeconds;
    const st = post.startTime === undefined ? undefined : Date.parse(post.startTime);
    if (ads !== undefined && st !== undefined && !Number.isNaN(st)) soon(Math.max(0, st + ads * 1000 - clock.now()) + 1);
    soon(this.o.resyncIntervalMs ?? 60_000);
    const latest = latestByName(obs.containers);
    const allRunning = containersOf(pod).every((c) => latest.get(c.name)?.state === 'running');
    const out: SyncOutcome = { terminal: isTerminalPhase(post.phase), allRunning };
    if (resyncAfterMs !== undefined) out.resyncAfterMs = resyncAfterMs;
    return out;
  }

  private async execute(state: PodState, plan: PodActions, obs: Observed, soon: (ms: number) => void): Promise<void> {
    const pod = state.pod;
    const { runtime, events } = this.o;

    // 2. kill the pod (sandbox changed, init failed under Never, work done)
    if (plan.killPod) {
      if (plan.createSandbox && plan.sandboxId !== undefined) {
        events.podEvent(pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      }
      await this.killPodContainers(state, obs, undefined);
      if (plan.purgeInitContainers) {
        const initNames = new Set(initContainersOf(pod).map((c) => c.name));
        for (const c of obs.containers) if (initNames.has(c.name)) await this.removeContainerQuietly(c.id);
      }
    } else {
      // 3. kill containers that should not be running
      await this.killContainers(state, plan.containersToKill.map((k) => this.killTarget(pod, obs, k)).filter((t): t is KillTarget => t !== undefined), undefined);
    }
    if (plan.killPod && !plan.createSandbox) return;

    // 4. sandbox
    let sandbox: SandboxStatus | undefined = obs.sandboxes.find((s) => s.id === plan.sandboxId);
    let sandboxConfig: SandboxConfig | undefined;
    if (plan.createSandbox) {
      try {
        sandboxConfig = await this.o.env.prepareSandbox(pod, plan.attempt, (reason, message) => { events.podEvent(pod, 'Warning', reason, message); });
      } catch (err) {
        const reason = errReason(err) ?? 'FailedCreatePodSandBox';
        events.podEvent(pod, 'Warning', reason === 'FailedMount' ? 'FailedMount' : 'FailedCreatePodSandBox', reason === 'FailedMount' ? errMessage(err) : `Failed to create pod sandbox: ${errMessage(err)}`);
        soon(this.o.syncErrorRetryMs ?? 10_000);
        return;
      }
      try {
        const id = await runtime.runSandbox(sandboxConfig);
        state.sandboxConfigs.set(id, sandboxConfig);
        sandbox = await runtime.sandboxStatus(id);
      } catch (err) {
        events.podEvent(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errMessage(err)}`);
        soon(this.o.syncErrorRetryMs ?? 10_000);
        return;
      }
    }
    if (sandbox === undefined) return;
    if (sandboxConfig === undefined) {
      sandboxConfig = state.sandboxConfigs.get(sandbox.id);
      if (sandboxConfig === undefined) {
        try {
          sandboxConfig = await this.o.env.prepareSandbox(pod, sandbox.attempt, () => undefined);
        } catch (err) {
          events.podEvent(pod, 'Warning', 'FailedMount', errMessage(err));
          soon(this.o.syncErrorRetryMs ?? 10_000);
          return;
        }
        state.sandboxConfigs.set(sandbox.id, sandboxConfig);
      }
    }

    // 6. init containers, strictly in order (a failed sidecar start is skipped)
    for (const s of plan.initContainersToStart) {
      const spec = initContainersOf(pod)[s.index];
      if (spec === undefined) continue;
      const ok = await this.startContainer(state, s, spec, sandbox, sandboxConfig, soon);
      if (!ok && !isRestartableInit(spec)) return;
    }
    // 8. regular containers
    for (const s of plan.containersToStart) {
      const spec = containersOf(pod)[s.index];
      if (spec === undefined) continue;
      await this.startContainer(state, s, spec, sandbox, sandboxConfig, soon);
    }
  }

  /** The kubelet's start closure: back-off, image, config, create, start, postStart. */
  private async startContainer(state: PodState, s: ContainerStart, spec: Container, sandbox: SandboxStatus, sandboxConfig: SandboxConfig, soon: (ms: number) => void): Promise<boolean> {
    const pod = state.pod;
    const { runtime, events } = this.o;
    const name = spec.name;
    const log = this.log.child({ pod: formatPod(pod), container: name });
    const fail = (reason: string, message: string, event = true): false => {
      state.startErrors.set(name, { reason, message });
      if (event) events.containerEvent(pod, name, 'Warning', 'Failed', `Error: ${reason === 'CreateContainerConfigError' || reason === 'CreateContainerError' || reason === 'RunContainerError' ? message : reason}`);
      return false;
    };
    if (s.backoff !== undefined) {
      events.containerEvent(pod, name, 'Warning', 'BackOff', s.backoff.eventMessage);
      state.startErrors.set(name, { reason: 'CrashLoopBackOff', message: s.backoff.message });
      soon(s.backoff.remainingMs);
      return false;
    }
    if (s.lastExitAt !== undefined) this.o.backoff.next(s.backoffKey, s.lastExitAt);

    let image;
    try {
      image = await this.o.images.ensureImage(pod, spec, state.abort.signal);
    } catch (err) {
      const reason = errReason(err) ?? 'ErrImagePull';
      // retry when the image back-off allows it
      soon(reason === 'ErrImageNeverPull' || reason === 'InvalidImageName' ? (this.o.syncErrorRetryMs ?? 10_000) : 1000);
      return fail(reason, errMessage(err));
    }

    let config;
    try {
      config = await this.o.env.prepareContainer(pod, spec, {
        attempt: s.restartCount, restartCount: s.restartCount, sandbox, sandboxConfig, image,
        onEvent: (reason, message) => { events.podEvent(pod, 'Warning', reason, message); },
      });
    } catch (err) {
      soon(this.o.syncErrorRetryMs ?? 10_000);
      const reason = errReason(err);
      if (reason === 'FailedMount') {
        // like the kubelet's volume manager: the pod stays ContainerCreating until volumes mount
        events.podEvent(pod, 'Warning', 'FailedMount', errMessage(err));
        return false;
      }
      return fail('CreateContainerConfigError', errMessage(err));
    }

    let id: string;
    try {
      id = await runtime.createContainer(sandbox.id, config, sandboxConfig);
    } catch (err) {
      soon(this.o.syncErrorRetryMs ?? 10_000);
      return fail('CreateContainerError', errMessage(err));
    }
    events.containerEvent(pod, name, 'Normal', 'Created', `Created container: ${name}`);
    try {
      await runtime.startContainer(id);
    } catch (err) {
      return fail('RunContainerError', errMessage(err));
    }
    events.containerEvent(pod, name, 'Normal', 'Started', `Started container ${name}`);
    log.info({ id, restartCount: s.restartCount }, 'container started');

    if (spec.lifecycle?.postStart !== undefined) {
      const podIP = this.podIP(pod, sandbox);
      const r = await this.o.hooks.runPostStart({ pod, container: spec, containerId: id, podIP }, { signal: state.abort.signal });
      if (!r.ok) {
        let status: RuntimeContainerStatus | undefined;
        try { status = await runtime.containerStatus(id); } catch { status = undefined; }
        if (status !== undefined) await this.killContainers(state, [{ status, spec, kind: s.kind, message: 'FailedPostStartHook', reason: '' }], undefined);
        state.startErrors.set(name, { reason: r.reason, message: r.message });
        return false;
      }
    }
    state.startErrors.delete(name);
    return true;
  }

  // ---- killing ---------------------------------------------------------------------------------

  private killTarget(pod: Pod, obs: Observed, k: ContainerKill): KillTarget | undefined {
    const status = obs.containers.find((c) => c.id === k.containerId);
    if (status === undefined) return undefined;
    return { status, spec: findContainer(pod, k.name)?.container ?? this.specFromAnnotations(status), kind: k.kind, message: k.message, reason: k.reason };
  }

  /** A container spec rebuilt from annotations (preStop) when the pod spec no longer has it. */
  private specFromAnnotations(status: RuntimeContainerStatus): Container | undefined {
    const raw = status.annotations[ANN_PRESTOP_HANDLER];
    if (raw === undefined) return undefined;
    try {
      return { name: status.name, lifecycle: { preStop: JSON.parse(raw) as NonNullable<NonNullable<Container['lifecycle']>['preStop']> } };
    } catch {
      return undefined;
    }
  }

  private gracePeriod(pod: Pod, t: KillTarget, override: number | undefined): number {
    if (override !== undefined) return override;
    const dg = pod.metadata?.deletionGracePeriodSeconds;
    if (dg !== undefined) return dg;
    const specGrace = pod.spec?.terminationGracePeriodSeconds;
    if (specGrace === undefined && pod.spec === undefined) {
      const ann = Number.parseInt(t.status.annotations[ANN_TERMINATION_GRACE] ?? '', 10);
      return Number.isFinite(ann) ? ann : DEFAULT_TERMINATION_GRACE_SECONDS;
    }
    if (t.reason === 'StartupProbe' && t.spec?.startupProbe?.terminationGracePeriodSeconds !== undefined) return t.spec.startupProbe.terminationGracePeriodSeconds;
    if (t.reason === 'LivenessProbe' && t.spec?.livenessProbe?.terminationGracePeriodSeconds !== undefined) return t.spec.livenessProbe.terminationGracePeriodSeconds;
    return specGrace ?? DEFAULT_TERMINATION_GRACE_SECONDS;
  }

  /**
   * Kills containers like killContainersWithSyncResult: all start at once (preStop hooks run
   * immediately), regular and init containers are stopped in parallel, each sidecar waits (within
   * its grace) for the regular containers and every later sidecar, so sidecars stop last in
   * reverse order.
   */
  async killContainers(state: PodState, targets: KillTarget[], gracePeriodOverride: number | undefined): Promise<void> {
    const pod = state.pod;
    const done = new Map<string, Promise<void>>();
    const resolvers = new Map<string, () => void>();
    for (const t of targets) done.set(t.status.id, new Promise<void>((r) => { resolvers.set(t.status.id, r); }));
    const sidecarIndex = (t: KillTarget): number => initContainersOf(pod).findIndex((c) => c.name === t.status.name);
    await Promise.all(targets.map(async (t) => {
      try {
        let waitFor: Promise<void>[] = [];
        if (t.kind === 'sidecar') {
          const idx = sidecarIndex(t);
          waitFor = targets.filter((o) => o !== t && (o.kind !== 'sidecar' || sidecarIndex(o) > idx)).map((o) => done.get(o.status.id) ?? Promise.resolve());
        }
        await this.killOne(state, t, gracePeriodOverride, waitFor);
      } catch (err) {
        this.log.warn({ pod: formatPod(pod), container: t.status.name, err: errMessage(err) }, 'killing container failed');
      } finally {
        resolvers.get(t.status.id)?.();
      }
    }));
  }

  private async killOne(state: PodState, t: KillTarget, override: number | undefined, waitFor: Promise<void>[]): Promise<void> {
    const { clock, events, runtime } = this.o;
    const pod = state.pod;
    const start = clock.now();
    const grace = this.gracePeriod(pod, t, override);
    events.containerEvent(pod, t.status.name, 'Normal', 'Killing', t.message ?? `Stopping container ${t.status.name}`);
    if (t.spec?.lifecycle?.preStop !== undefined && grace > 0 && t.status.state === 'running') {
      const sandbox = await this.sandboxOf(t.status);
      await this.o.hooks.runPreStop({ pod, container: t.spec, containerId: t.status.id, podIP: this.podIP(pod, sandbox) }, grace);
    }
    if (waitFor.length > 0) {
      const left = start + grace * 1000 - clock.now();
      if (left > 0) {
        const ac = new AbortController();
        await Promise.race([Promise.all(waitFor), clock.sleep(left, ac.signal).catch(() => undefined)]);
        ac.abort();
      }
    }
    let stopGrace = grace - Math.floor((clock.now() - start) / 1000);
    if (stopGrace < MIN_GRACE_SECONDS) stopGrace = MIN_GRACE_SECONDS;
    try {
      await runtime.stopContainer(t.status.id, stopGrace);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async sandboxOf(c: RuntimeContainerStatus): Promise<SandboxStatus | undefined> {
    try {
      return await this.o.runtime.sandboxStatus(c.sandboxId);
    } catch {
      return undefined;
    }
  }

  /** Kills every running container of the pod (sidecars last, reverse) and stops its sandboxes. */
  async killPodContainers(state: PodState, obs: Observed, gracePeriodOverride: number | undefined): Promise<void> {
    const pod = state.pod;
    const targets: KillTarget[] = [];
    for (const c of obs.containers) {
      if (c.state !== 'running' && c.state !== 'unknown') continue;
      const found = findContainer(pod, c.name);
      const annType = c.annotations[ANN_CONTAINER_TYPE];
      const kind: ContainerKind = found?.kind ?? (annType === 'sidecar' || annType === 'init' ? annType : 'regular');
      targets.push({ status: c, spec: found?.container ?? this.specFromAnnotations(c), kind, reason: '' });
    }
    await this.killContainers(state, targets, gracePeriodOverride);
    for (const sb of obs.sandboxes) {
      if (sb.state !== 'ready') continue;
      try {
        await this.o.runtime.stopSandbox(sb.id);
      } catch (err) {
        if (!isNotFound(err)) this.log.warn({ pod: formatPod(pod), err: errMessage(err) }, 'stopping sandbox failed');
      }
    }
  }

  // ---- termination -----------------------------------------------------------------------------

  /** SyncTerminatingPod: stop everything (preStop + grace), then publish the terminal status. */
  async terminatePod(state: PodState, opts: { gracePeriodOverride?: number; deleting: boolean }): Promise<PodStatus> {
    const pod = state.pod;
    const uid = podRefOf(pod).uid;
    state.abort.abort();
    if (opts.deleting) this.o.prober.setTerminating(uid);
    let obs = await this.observe(uid);
    await this.publishStatus(state, obs, true);
    await this.killPodContainers(state, obs, opts.gracePeriodOverride);
    obs = await this.observe(uid);
    this.o.prober.removePod(uid);
    return this.publishStatus(state, obs, true);
  }

  /** Observe and publish only (used while the pod is terminating). */
  async refreshStatus(state: PodState): Promise<PodStatus> {
    const obs = await this.observe(podRefOf(state.pod).uid);
    return this.publishStatus(state, obs, true);
  }

  /** A terminated pod still known to the source: refresh status, keep the latest dead instances. */
  async syncTerminatedPod(state: PodState): Promise<PodStatus> {
    const obs = await this.observe(podRefOf(state.pod).uid);
    // anything still running (e.g. adopted after a restart) is stopped
    if (obs.containers.some((c) => c.state === 'running') || obs.sandboxes.some((s) => s.state === 'ready')) {
      await this.killPodContainers(state, obs, undefined);
    }
    const status = await this.publishStatus(state, obs, true);
    await this.gc(obs);
    return status;
  }

  /** The pod is gone from its source: remove its containers, sandboxes and directories. */
  async cleanupPod(uid: string): Promise<void> {
    const obs = await this.observe(uid);
    for (const c of obs.containers) {
      if (c.state === 'running') {
        try { await this.o.runtime.stopContainer(c.id, MIN_GRACE_SECONDS); } catch { /* gone */ }
      }
      await this.removeContainerQuietly(c.id);
    }
    for (const sb of obs.sandboxes) {
      try { await this.o.runtime.removeSandbox(sb.id); } catch (err) {
        if (!isNotFound(err)) this.log.warn({ pod: uid, err: errMessage(err) }, 'removing sandbox failed');
      }
    }
    await this.o.env.cleanupPod(uid);
    this.o.prober.removePod(uid);
    this.o.backoff.resetPrefix(`${uid}_`);
  }

  /**
   * Containers of a pod no source knows (e.g. deleted while the agent was down): stopped with the
   * grace period and preStop handler recorded in their annotations, then removed with the sandbox.
   */
  async cleanupOrphan(uid: string): Promise<void> {
    const obs = await this.observe(uid);
    const ref = obs.containers[0]?.pod ?? obs.sandboxes[0]?.pod ?? { name: '', namespace: '', uid };
    const state = newPodState({ metadata: { name: ref.name, namespace: ref.namespace, uid } }, this.o.clock.now());
    this.log.info({ pod: formatPod(ref) }, 'removing containers of a pod that no longer exists');
    await this.killPodContainers(state, obs, undefined);
    await this.cleanupPod(uid);
  }

  private async removeContainerQuietly(id: string): Promise<void> {
    try {
      await this.o.runtime.removeContainer(id);
    } catch (err) {
      if (!isNotFound(err)) this.log.warn({ id, err: errMessage(err) }, 'removing container failed');
    }
  }

  /** Keeps the newest dead instance of every container (for --previous logs); removes older ones and empty old sandboxes. */
  async gc(obs: Observed): Promise<void> {
    const byName = new Map<string, RuntimeContainerStatus[]>();
    for (const c of sortNewestFirst(obs.containers)) {
      const list = byName.get(c.name) ?? [];
      list.push(c);
      byName.set(c.name, list);
    }
    const removed = new Set<string>();
    for (const list of byName.values()) {
      let keptDead = 0;
      for (const [i, c] of list.entries()) {
        if (c.state === 'running') continue;
        if (i === 0 || keptDead < 1) { keptDead++; continue; }
        await this.removeContainerQuietly(c.id);
        removed.add(c.id);
      }
    }
    const latest = [...obs.sandboxes].sort((a, b) => b.createdAt - a.createdAt)[0];
    for (const sb of obs.sandboxes) {
      if (sb === latest || sb.state === 'ready') continue;
      if (obs.containers.some((c) => c.sandboxId === sb.id && !removed.has(c.id))) continue;
      try { await this.o.runtime.removeSandbox(sb.id); } catch { /* gone */ }
    }
  }

  // ---- status ----------------------------------------------------------------------------------

  private async readTerminationMessages(state: PodState, obs: Observed): Promise<void> {
    for (const c of obs.containers) {
      if (c.state !== 'exited' || state.terminationMessages.has(c.id)) continue;
      let msg = '';
      try {
        msg = await this.o.env.terminationMessage(state.pod, c);
      } catch (err) {
        this.log.debug({ err: errMessage(err) }, 'reading termination message failed');
      }
      state.terminationMessages.set(c.id, msg);
    }
    const ids = new Set(obs.containers.map((c) => c.id));
    for (const id of state.terminationMessages.keys()) if (!ids.has(id)) state.terminationMessages.delete(id);
  }

  async publishStatus(state: PodState, obs: Observed, podIsTerminal: boolean): Promise<PodStatus> {
    const pod = state.pod;
    const uid = podRefOf(pod).uid;
    await this.readTerminationMessages(state, obs);
    const status = generatePodStatus({
      pod,
      sandboxes: obs.sandboxes,
      containers: obs.containers,
      oldStatus: this.o.status.get(uid),
      startErrors: state.startErrors,
      probes: this.probeView(uid, obs.containers),
      terminationMessages: state.terminationMessages,
      now: this.o.clock.now(),
      nodeIPs: this.o.nodeIPs,
      qosClass: this.o.env.qosClass(pod),
      podIsTerminal,
      terminal: state.terminal,
    });
    this.o.status.set(pod, status);
    return status;
  }

  /** Publishes a rejection (admission) without touching the runtime. */
  reject(state: PodState, reason: string, message: string): void {
    state.terminal = { phase: 'Failed', reason, message: `Pod was rejected: ${message}` };
    this.o.events.podEvent(state.pod, 'Warning', reason, message);
    const old = this.o.status.get(podRefOf(state.pod).uid);
    this.o.status.set(state.pod, {
      phase: 'Failed',
      reason,
      message: `Pod was rejected: ${message}`,
      startTime: old?.startTime ?? new Date(Math.floor(this.o.clock.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      qosClass: this.o.env.qosClass(state.pod),
      ...(this.o.nodeIPs[0] === undefined ? {} : { hostIP: this.o.nodeIPs[0], hostIPs: this.o.nodeIPs.map((ip) => ({ ip })) }),
    });
  }

  // ---- probes ----------------------------------------------------------------------------------

  private podIP(pod: Pod, sandbox: SandboxStatus | undefined): string | undefined {
    if (pod.spec?.hostNetwork === true) return this.o.nodeIPs[0];
    return sandbox?.ips[0];
  }

  private syncProber(pod: Pod, obs: Observed): void {
    const latest = latestByName(obs.containers);
    const observed: ObservedContainer[] = [];
    for (const c of [...initContainersOf(pod).filter(isRestartableInit), ...containersOf(pod)]) {
      const l = latest.get(c.name);
      if (l === undefined) continue;
      observed.push({ name: c.name, containerId: l.id, running: l.state === 'running', startedAt: l.startedAt });
    }
    const sb = [...obs.sandboxes].sort((a, b) => b.createdAt - a.createdAt)[0];
    this.o.prober.syncPod(pod, observed, this.podIP(pod, sb));
  }

  probeView(uid: string, containers: readonly RuntimeContainerStatus[]): ProbeResultsView {
    const names = new Map(containers.map((c) => [c.id, c.name]));
    return {
      get: (id, kind) => {
        const name = names.get(id);
        if (name === undefined) return undefined;
        const r = this.o.prober.result(uid, name, kind);
        return r?.containerId === id ? r.result : undefined;
      },
    };
  }
}

function summarize(p: PodActions): Record<string, unknown> {
  return {
    killPod: p.killPod,
    createSandbox: p.createSandbox,
    init: p.initContainersToStart.map((s) => s.name + (s.backoff === undefined ? '' : '(backoff)')),
    start: p.containersToStart.map((s) => s.name + (s.backoff === undefined ? '' : '(backoff)')),
    kill: p.containersToKill.map((k) => k.name),
  };
}
