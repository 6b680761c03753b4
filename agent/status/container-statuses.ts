// convertToAPIContainerStatuses (kubelet_pods.go) + the prober manager's UpdatePodStatus, pure:
// runtime container records (all instances) → v1.ContainerStatus for init and regular containers.
import type { Container, ContainerState, ContainerStatus, Pod } from 'kubernetes-types/core/v1.d.ts';
import { ANN_RESTART_COUNT } from '../../runtime/labels.ts';
import type { ContainerStatus as RuntimeContainerStatus } from '../../runtime/types.ts';
import type { ProbeResultsView } from '../planner.ts';
import { instancesOf, isRestartableInit, latestByName, restartPolicyOf, rfc3339 } from '../pod-util.ts';

export const CONTAINER_CREATING = 'ContainerCreating';
export const POD_INITIALIZING = 'PodInitializing';
export const CONTAINER_STATUS_UNKNOWN = 'ContainerStatusUnknown';

/** The last start failure of a container (the kubelet's reason cache): CrashLoopBackOff, ErrImagePull, … */
export interface StartError {
  reason: string;
  message: string;
}

export interface ContainerStatusesInput {
  pod: Pod;
  containers: readonly RuntimeContainerStatus[];
  /** Previous API statuses (init and regular). */
  oldInitStatuses?: readonly ContainerStatus[] | undefined;
  oldStatuses?: readonly ContainerStatus[] | undefined;
  startErrors: ReadonlyMap<string, StartError>;
  probes: ProbeResultsView;
  /** Termination messages read from the message file / logs, by runtime container id. */
  terminationMessages: ReadonlyMap<string, string>;
}

export function restartCountOf(c: RuntimeContainerStatus): number {
  const v = Number.parseInt(c.annotations[ANN_RESTART_COUNT] ?? '', 10);
  return Number.isFinite(v) ? v : c.attempt;
}

function convert(c: RuntimeContainerStatus, old: ContainerStatus | undefined, termMsgs: ReadonlyMap<string, string>): ContainerStatus {
  const status: ContainerStatus = {
    name: c.name,
    restartCount: restartCountOf(c),
    image: c.image,
    imageID: c.imageId,
    containerID: c.containerId,
    ready: false,
    state: {},
  };
  switch (c.state) {
    case 'running':
      status.state = { running: { startedAt: rfc3339(c.startedAt) } };
      break;
    case 'created':
      status.state = { waiting: {} };
      break;
    case 'exited': {
      const tm = termMsgs.get(c.id);
      const message = c.message !== '' && tm !== undefined && tm !== '' ? `${c.message}: ${tm}` : (tm !== undefined && tm !== '' ? tm : c.message);
      const started = c.startedAt || c.createdAt;
      status.state = {
        terminated: {
          exitCode: c.exitCode,
          ...(c.reason === '' ? {} : { reason: c.reason }),
          ...(message === '' ? {} : { message }),
          startedAt: rfc3339(started),
          finishedAt: rfc3339(c.finishedAt || started),
          containerID: c.containerId,
        },
      };
      break;
    }
    default:
      if (old?.state?.running !== undefined) {
        status.state = { terminated: { reason: CONTAINER_STATUS_UNKNOWN, message: 'The container could not be located when the pod was terminated', exitCode: 137 } };
        status.restartCount = (old.restartCount) + 1;
      } else {
        status.state = { waiting: {} };
      }
  }
  return status;
}

/** ShouldContainerBeRestarted from the latest instance. */
function shouldBeRestarted(pod: Pod, latest: RuntimeContainerStatus | undefined): boolean {
  if (pod.metadata?.deletionTimestamp !== undefined) return false;
  if (latest === undefined) return true;
  if (latest.state === 'running') return false;
  if (latest.state === 'unknown' || latest.state === 'created') return true;
  const policy = restartPolicyOf(pod);
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && latest.exitCode === 0) return false;
  return true;
}

function convertList(input: ContainerStatusesInput, specs: readonly Container[], old: readonly ContainerStatus[] | undefined, isInit: boolean, hasInits: boolean): ContainerStatus[] {
  const { pod } = input;
  const oldBy = new Map((old ?? []).map((s) => [s.name, s]));
  const latest = latestByName(input.containers);
  const statuses = new Map<string, ContainerStatus>();
  const defaultWaiting: ContainerState = { waiting: { reason: hasInits ? POD_INITIALIZING : CONTAINER_CREATING } };

  for (const c of specs) {
    let st: ContainerStatus = { name: c.name, image: c.image ?? '', state: defaultWaiting, ready: false, restartCount: 0, imageID: '' };
    const o = oldBy.get(c.name);
    if (o !== undefined) {
      if (o.state?.terminated !== undefined) st = structuredClone(o);
      else {
        st.restartCount = o.restartCount;
        if (o.lastState !== undefined) st.lastState = structuredClone(o.lastState);
      }
    }
    statuses.set(c.name, st);
  }

  // a container that used to be Running and vanished without a record: show the termination
  for (const c of specs) {
    if (latest.get(c.name)?.state === 'created') continue;
    const o = oldBy.get(c.name);
    if (o === undefined || o.state?.terminated !== undefined || o.state?.running === undefined) continue;
    if (latest.has(c.name)) continue;
    const st = statuses.get(c.name);
    if (st === undefined) continue;
    if (st.state?.waiting?.reason !== (hasInits ? POD_INITIALIZING : CONTAINER_CREATING)) continue;
    if (st.lastState?.terminated !== undefined) continue;
    st.lastState = { terminated: { reason: CONTAINER_STATUS_UNKNOWN, message: 'The container could not be located when the pod was deleted.  The container used to be Running', exitCode: 137 } };
    if (pod.metadata?.deletionTimestamp === undefined) st.restartCount += 1;
  }

  // the two most recent instances: state and lastState
  for (const c of specs) {
    const inst = instancesOf(input.containers, c.name);
    const first = inst[0];
    if (first === undefined) continue;
    const st = convert(first, oldBy.get(c.name), input.terminationMessages);
    const second = inst[1];
    if (second !== undefined) st.lastState = convert(second, undefined, input.terminationMessages).state ?? {};
    statuses.set(c.name, st);
  }

  // containers to be (re)started whose last start failed: Waiting with the failure reason
  for (const c of specs) {
    const l = latest.get(c.name);
    if (isInit && !isRestartableInit(c) && l?.state === 'exited' && l.exitCode === 0) continue;
    const restart = isInit && isRestartableInit(c) ? pod.metadata?.deletionTimestamp === undefined : shouldBeRestarted(pod, l);
    if (!restart) continue;
    const err = input.startErrors.get(c.name);
    if (err === undefined) continue;
    const st = statuses.get(c.name);
    if (st === undefined) continue;
    if (st.state?.terminated !== undefined) st.lastState = st.state;
    st.state = { waiting: { reason: err.reason, ...(err.message === '' ? {} : { message: err.message }) } };
  }

  // started / ready (prober manager UpdatePodStatus)
  const out: ContainerStatus[] = [];
  for (const c of specs) {
    const st = statuses.get(c.name);
    if (st === undefined) continue;
    const l = latest.get(c.name);
    const running = st.state?.running !== undefined && l !== undefined && l.state === 'running';
    let started = false;
    if (running) {
      started = c.startupProbe === undefined ? true : input.probes.get(l.id, 'startup') === 'success';
    }
    st.started = started;
    if (isInit && !isRestartableInit(c)) {
      st.ready = st.state?.terminated?.exitCode === 0;
    } else if (started && l !== undefined) {
      st.ready = c.readinessProbe === undefined ? true : input.probes.get(l.id, 'readiness') === 'success';
    } else {
      st.ready = false;
    }
    out.push(st);
  }
  // init statuses in spec order; regular containers sorted by name
  return isInit ? out : out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function generateContainerStatuses(input: ContainerStatusesInput): { initContainerStatuses: ContainerStatus[]; containerStatuses: ContainerStatus[] } {
  const inits = input.pod.spec?.initContainers ?? [];
  const regs = input.pod.spec?.containers ?? [];
  const hasInits = inits.length > 0;
  return {
    initContainerStatuses: convertList(input, inits, input.oldInitStatuses, true, hasInits),
    containerStatuses: convertList(input, regs, input.oldStatuses, false, hasInits),
  };
}
