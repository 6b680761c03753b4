// The kubelet's computePodActions (kuberuntime_manager.go) and computeInitContainerActions
// (kuberuntime_container.go) as a PURE function: (spec, observed runtime state, probe results,
// back-off state, now) → plain data the executor (pod-sync.ts) carries out. No I/O, no clock.
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import { ANN_CONTAINER_HASH, ANN_HASH_SCHEME, ANN_RESTART_COUNT } from '../runtime/labels.ts';
import type { ContainerStatus as RuntimeContainerStatus, SandboxStatus } from '../runtime/types.ts';
import type { BackoffView } from './backoff.ts';
import { containerBackoffKey, formatDuration } from './backoff.ts';
import type { ContainerKind } from './pod-util.ts';
import { containersOf, formatPod, initContainersOf, isRestartableInit, latestByName, podRefOf, restartPolicyOf, sortNewestFirst } from './pod-util.ts';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

/** Probe results by container ID; undefined = no result yet (kubelet "not found"). */
export interface ProbeResultsView {
  get(containerId: string, kind: ProbeKind): ProbeResult | undefined;
}

export type KillReason = 'LivenessProbe' | 'StartupProbe' | 'Unknown' | 'SpecChanged' | '';

export interface ContainerKill {
  containerId: string;
  name: string;
  kind: ContainerKind;
  /** Killing event message, e.g. "Container c failed liveness probe, will be restarted". */
  message: string;
  reason: KillReason;
}

export interface ContainerStart {
  name: string;
  kind: ContainerKind;
  /** Index in spec.initContainers or spec.containers. */
  index: number;
  backoffKey: string;
  /** finishedAt of the latest exited instance (the back-off event time), if any. */
  lastExitAt?: number;
  /** Restart count of the instance about to be created. */
  restartCount: number;
  /** Set when the start must wait for the crash-loop back-off. */
  backoff?: {
    /** Status message: "back-off 10s restarting failed container=c pod=p_ns(uid)". */
    message: string;
    /** Event message: "Back-off restarting failed container c in pod p_ns(uid)". */
    eventMessage: string;
    remainingMs: number;
  };
}

export interface PodActions {
  /** Stop every container and the sandbox (new sandbox needed, init failed under Never, or work done). */
  killPod: boolean;
  createSandbox: boolean;
  /** The sandbox to use (or the stale one when creating a new sandbox). */
  sandboxId: string | undefined;
  /** Attempt number for a new sandbox. */
  attempt: number;
  /** When a new sandbox is created, old init containers are purged so initialization restarts. */
  purgeInitContainers: boolean;
  initContainersToStart: ContainerStart[];
  containersToStart: ContainerStart[];
  containersToKill: ContainerKill[];
  /** All (regular) init containers done and sidecars started. */
  initialized: boolean;
  /** Why killPod is set, for logs and the pod worker. */
  killPodReason?: 'SandboxChanged' | 'InitContainerFailed' | 'Completed';
}

export interface PlanInput {
  pod: Pod;
  sandboxes: readonly SandboxStatus[];
  containers: readonly RuntimeContainerStatus[];
  /** Hash of a container spec under the current scheme. */
  hashOf: (c: Container) => string;
  /** Current hash scheme: hashes written under another scheme never count as a spec change. */
  hashScheme: string;
  probes: ProbeResultsView;
  backoff: BackoffView;
  now: number;
}

/** PodSandboxChanged: (create?, next attempt, id of the current sandbox). */
export function sandboxChanged(pod: Pod, sandboxes: readonly SandboxStatus[]): { create: boolean; attempt: number; sandboxId: string | undefined } {
  if (sandboxes.length === 0) return { create: true, attempt: 0, sandboxId: undefined };
  const sorted = [...sandboxes].sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
  const latest = sorted[0];
  if (latest === undefined) return { create: true, attempt: 0, sandboxId: undefined };
  const ready = sorted.filter((s) => s.state === 'ready').length;
  const next = Math.max(...sorted.map((s) => s.attempt)) + 1;
  if (ready > 1 || latest.state !== 'ready') return { create: true, attempt: next, sandboxId: latest.id };
  const wantHostNet = pod.spec?.hostNetwork === true;
  if (latest.hostNetwork !== wantHostNet) return { create: true, attempt: next, sandboxId: latest.id };
  if (!wantHostNet && latest.ips.length === 0) return { create: true, attempt: next, sandboxId: latest.id };
  return { create: false, attempt: latest.attempt, sandboxId: latest.id };
}

function restartCountOf(c: RuntimeContainerStatus): number {
  const v = Number.parseInt(c.annotations[ANN_RESTART_COUNT] ?? '', 10);
  return Number.isFinite(v) ? v : c.attempt;
}

function isInitFailed(c: RuntimeContainerStatus): boolean {
  if (c.reason === 'OOMKilled') return true;
  if (c.state === 'exited' && c.exitCode !== 0) return true;
  return c.state === 'unknown';
}

export function containerChanged(spec: Container, status: RuntimeContainerStatus, hashOf: (c: Container) => string, scheme: string): boolean {
  const stored = status.annotations[ANN_CONTAINER_HASH];
  if (stored === undefined || stored === '') return false;
  const storedScheme = status.annotations[ANN_HASH_SCHEME];
  if (storedScheme !== undefined && storedScheme !== scheme) return false;
  return stored !== hashOf(spec);
}

export function computePodActions(input: PlanInput): PodActions {
  const { pod } = input;
  const inits = initContainersOf(pod);
  const regs = containersOf(pod);
  const policy = restartPolicyOf(pod);
  const restartOnFailure = policy !== 'Never';
  const latest = latestByName(input.containers);
  const allSorted = sortNewestFirst(input.containers);
  const podRef = podRefOf(pod);

  const mkStart = (c: Container, kind: ContainerKind, index: number): ContainerStart => {
    const key = containerBackoffKey(podRef, c.name, input.hashOf(c));
    const prev = latest.get(c.name);
    const start: ContainerStart = { name: c.name, kind, index, backoffKey: key, restartCount: prev === undefined ? 0 : restartCountOf(prev) + 1 };
    // doBackOff: the latest *exited* instance's finishedAt is the event time
    const lastExited = allSorted.find((s) => s.name === c.name && s.state === 'exited');
    if (lastExited !== undefined) {
      const ts = lastExited.finishedAt || lastExited.createdAt;
      start.lastExitAt = ts;
      if (input.backoff.isInBackOffSince(key, ts, input.now)) {
        const delay = input.backoff.delayOf(key);
        start.backoff = {
          message: `back-off ${formatDuration(delay)} restarting failed container=${c.name} pod=${formatPod(pod)}`,
          eventMessage: `Back-off restarting failed container ${c.name} in pod ${formatPod(pod)}`,
          remainingMs: Math.max(0, ts + delay - input.now),
        };
      }
    }
    return start;
  };

  const sb = sandboxChanged(pod, input.sandboxes);
  const actions: PodActions = {
    killPod: sb.create,
    createSandbox: sb.create,
    sandboxId: sb.sandboxId,
    attempt: sb.attempt,
    purgeInitContainers: false,
    initContainersToStart: [],
    containersToStart: [],
    containersToKill: [],
    initialized: false,
  };

  if (sb.create) {
    if (sb.attempt !== 0) actions.killPodReason = 'SandboxChanged';
    if (!restartOnFailure && sb.attempt !== 0 && input.containers.length !== 0) {
      // A finished Never pod is not resurrected: just kill.
      actions.createSandbox = false;
      actions.killPodReason = 'Completed';
      return actions;
    }
    const toStart: number[] = [];
    regs.forEach((c, i) => {
      const st = latest.get(c.name);
      if (policy === 'OnFailure' && st?.state === 'exited' && st.exitCode === 0) return;
      toStart.push(i);
    });
    if (toStart.length === 0 && regs.some((c) => latest.has(c.name))) {
      // initialized and nothing to start: no new sandbox for a completed pod (no SandboxChanged)
      actions.createSandbox = false;
      actions.killPodReason = 'Completed';
      return actions;
    }
    actions.purgeInitContainers = sb.attempt !== 0;
    const first = inits[0];
    if (first !== undefined) {
      // init containers start over (purged) → no back-off history counts for them except restart counts
      actions.initContainersToStart = [mkStart(first, isRestartableInit(first) ? 'sidecar' : 'init', 0)];
      return actions;
    }
    actions.containersToStart = toStart.map((i) => mkStart(regs[i] as Container, 'regular', i));
    actions.initialized = true;
    return actions;
  }

  // ---- init containers (computeInitContainerActions) ----
  const init = computeInitActions(input, latest, actions, mkStart, restartOnFailure);
  actions.initialized = init;
  if (actions.killPod || !init) return actions;

  // ---- regular containers ----
  let keepCount = 0;
  const deleting = pod.metadata?.deletionTimestamp !== undefined;
  regs.forEach((c, idx) => {
    const st = latest.get(c.name);
    if (st === undefined || st.state !== 'running') {
      if (shouldBeRestarted(st, policy, deleting)) {
        actions.containersToStart.push(mkStart(c, 'regular', idx));
        if (st?.state === 'unknown') {
          actions.containersToKill.push({ containerId: st.id, name: c.name, kind: 'regular', message: `Container is in "${st.state}" state, try killing it before restart`, reason: 'Unknown' });
        }
      }
      return;
    }
    let message: string;
    let reason: KillReason;
    let restart = restartOnFailure;
    if (containerChanged(c, st, input.hashOf, input.hashScheme)) {
      message = `Container ${c.name} definition changed`;
      reason = 'SpecChanged';
      restart = true;
    } else if (input.probes.get(st.id, 'liveness') === 'failure') {
      message = `Container ${c.name} failed liveness probe`;
      reason = 'LivenessProbe';
    } else if (input.probes.get(st.id, 'startup') === 'failure') {
      message = `Container ${c.name} failed startup probe`;
      reason = 'StartupProbe';
    } else {
      keepCount++;
      return;
    }
    if (restart) {
      message = `${message}, will be restarted`;
      actions.containersToStart.push(mkStart(c, 'regular', idx));
    }
    actions.containersToKill.push({ containerId: st.id, name: c.name, kind: 'regular', message, reason });
  });

  if (keepCount === 0 && actions.containersToStart.length === 0) {
    // the pod's work is done: stop sidecars, never restart them
    actions.killPod = true;
    actions.killPodReason = 'Completed';
    actions.initContainersToStart = [];
  }
  return actions;
}

/** ShouldContainerBeRestarted (pkg/kubelet/container/helpers.go). */
function shouldBeRestarted(st: RuntimeContainerStatus | undefined, policy: string, deleting: boolean): boolean {
  if (deleting) return false;
  if (st === undefined) return true;
  if (st.state === 'running') return false;
  if (st.state === 'unknown' || st.state === 'created') return true;
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && st.exitCode === 0) return false;
  return true;
}

function computeInitActions(
  input: PlanInput,
  latest: Map<string, RuntimeContainerStatus>,
  actions: PodActions,
  mkStart: (c: Container, kind: ContainerKind, index: number) => ContainerStart,
  restartOnFailure: boolean,
): boolean {
  const inits = initContainersOf(input.pod);
  if (inits.length === 0) return true;
  const regs = containersOf(input.pod);
  // any regular container created or running ⇒ initialization happened (exited ones don't count: node reboot)
  let podHasInitialized = regs.some((c) => {
    const s = latest.get(c.name);
    return s?.state === 'created' || s?.state === 'running';
  });
  let previouslyInitialized = podHasInitialized;
  const toStart: number[] = [];
  const kill = (st: RuntimeContainerStatus, c: Container, message: string, reason: KillReason): void => {
    actions.containersToKill.push({ containerId: st.id, name: c.name, kind: isRestartableInit(c) ? 'sidecar' : 'init', message, reason });
  };

  for (let i = inits.length - 1; i >= 0; i--) {
    const c = inits[i] as Container;
    const sidecar = isRestartableInit(c);
    const st = latest.get(c.name);
    if (st === undefined) {
      if (previouslyInitialized && sidecar) toStart.push(i);
      continue;
    }
    if (previouslyInitialized && !sidecar) continue;

    switch (st.state) {
      case 'created':
        toStart.push(i);
        break;
      case 'running': {
        if (!sidecar) break; // wait for the init container to finish
        if (c.startupProbe !== undefined) {
          const startup = input.probes.get(st.id, 'startup');
          if (startup === undefined) break;
          if (startup !== 'success') {
            if (startup === 'failure') {
              kill(st, c, `Init container ${c.name} failed startup probe`, 'StartupProbe');
              toStart.push(i);
            }
            break;
          }
        }
        if (i === inits.length - 1) podHasInitialized = true;
        else if (!previouslyInitialized) toStart.push(i + 1);
        if (containerChanged(c, st, input.hashOf, input.hashScheme)) {
          kill(st, c, `Init container ${c.name} definition changed`, 'SpecChanged');
          toStart.push(i);
          break;
        }
        if (c.livenessProbe !== undefined && input.probes.get(st.id, 'liveness') === 'failure') {
          kill(st, c, `Init container ${c.name} failed liveness probe`, 'LivenessProbe');
          toStart.push(i);
        }
        break;
      }
      case 'exited':
        if (sidecar) {
          toStart.push(i);
        } else if (isInitFailed(st)) {
          if (!restartOnFailure) {
            actions.killPod = true;
            actions.killPodReason = 'InitContainerFailed';
            actions.initContainersToStart = [];
            return false;
          }
          toStart.push(i);
        } else if (i === inits.length - 1) {
          podHasInitialized = true;
        } else {
          toStart.push(i + 1);
        }
        break;
      default: // unknown
        if (!sidecar && !restartOnFailure) {
          actions.killPod = true;
          actions.killPodReason = 'InitContainerFailed';
          actions.initContainersToStart = [];
          return false;
        }
        kill(st, c, `Init container is in "${st.state}" state, try killing it before restart`, 'Unknown');
        toStart.push(i);
    }
    if (!previouslyInitialized) previouslyInitialized = true;
  }
  if (!previouslyInitialized) toStart.push(0);
  // spec order, without duplicates
  const seen = new Set<number>();
  actions.initContainersToStart = toStart.reverse().filter((i) => (seen.has(i) ? false : (seen.add(i), true)))
    .map((i) => {
      const c = inits[i] as Container;
      return mkStart(c, isRestartableInit(c) ? 'sidecar' : 'init', i);
    });
  return podHasInitialized;
}
