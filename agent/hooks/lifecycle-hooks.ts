// Container lifecycle hooks (postStart, preStop) with the kubelet's semantics
// (pkg/kubelet/lifecycle/handlers.go, kuberuntime_container.go):
//  - exec: runs in the container; a non-zero exit, a timeout or a runtime error fails the hook;
//  - httpGet: GET with User-Agent kube-lifecycle/<v>, host defaulting to the pod IP, same-host
//    redirects only, certificates not verified; only a transport error fails it (the status code
//    is not checked); an HTTPS hook answered in plain HTTP is retried over HTTP (with a
//    LifecycleHTTPFallback warning);
//  - sleep: waits on the Clock; fails only when aborted ("container terminated before sleep hook
//    finished");
//  - tcpSocket (deprecated) and empty handlers fail ("Cannot run handler: ...").
// Failure messages are the kubelet's (they become the Waiting message of PostStartHookError); the
// events carry only "PostStartHook failed" / "PreStopHook failed", like the kubelet, so hook
// output never leaks into events.
import type { LifecycleHandler, Pod, Container } from 'kubernetes-types/core/v1.d.ts';
import type { Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { ExecService } from '../../runtime/types.ts';
import type { ContainerEventSink } from '../prober/events.ts';
import { formatPod, goQuote } from '../prober/go-format.ts';
import { buildHttpGetRequest, DEFAULT_KUBE_VERSION, httpGetWithRedirects } from '../prober/http-get.ts';
import { joinHostPort, type ProbeTransport } from '../prober/transport.ts';

/** Never less than this between the stop signal and SIGKILL (the kubelet's minimumGracePeriodInSeconds). */
export const MINIMUM_GRACE_PERIOD_SECONDS = 2;
/** Default bound for a postStart exec/httpGet hook (the kubelet has none; a hung hook would block the pod forever). */
export const DEFAULT_POST_START_TIMEOUT_MS = 10 * 60 * 1000;

export interface HookTarget {
  pod: Pod;
  container: Container;
  /** Runtime container ID, as ExecService takes it. */
  containerId: string;
  /** Default host for httpGet handlers. */
  podIP: string | undefined;
}

export interface LifecycleHooksOptions {
  clock: Clock;
  exec: Pick<ExecService, 'execSync'>;
  transport: ProbeTransport;
  events: ContainerEventSink;
  log?: Logger;
  kubeVersion?: string;
  postStartTimeoutMs?: number;
}

export type PostStartResult =
  | { ok: true }
  /** The caller kills the container (Killing "FailedPostStartHook") and records Waiting{reason, message}. */
  | { ok: false; reason: 'PostStartHookError'; message: string };

export interface PreStopResult {
  /** False when there is no preStop hook or no grace period to run it in. */
  ran: boolean;
  /** The hook finished within the grace period without error. */
  ok: boolean;
  /** False when the grace period (or the caller's signal) ended the wait first. */
  completed: boolean;
  /** Whole seconds spent (the kubelet truncates). */
  elapsedSeconds: number;
  /** gracePeriodSeconds - elapsedSeconds, not below 0. */
  remainingGraceSeconds: number;
  /** What to pass to stopContainer: remainingGrace(gracePeriodSeconds, elapsedSeconds). */
  stopGraceSeconds: number;
  /** The kubelet's failure message, when the hook failed. */
  message?: string;
}

/**
 * The grace period left for the stop signal after a preStop hook used `hookElapsedSeconds`, never
 * less than 2 s (the kubelet always leaves at least 2 s between the stop signal and SIGKILL).
 */
export function remainingGrace(gracePeriodSeconds: number, hookElapsedSeconds = 0): number {
  return Math.max(MINIMUM_GRACE_PERIOD_SECONDS, gracePeriodSeconds - hookElapsedSeconds);
}

class HookAborted extends Error {}

function abortPromise(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let onAbort: () => void = () => undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(new HookAborted('aborted')); };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => { signal.removeEventListener('abort', onAbort); } };
}

export class LifecycleHooks {
  private readonly clock: Clock;
  private readonly exec: Pick<ExecService, 'execSync'>;
  private readonly transport: ProbeTransport;
  private readonly events: ContainerEventSink;
  private readonly log: Logger;
  private readonly kubeVersion: string;
  private readonly postStartTimeoutMs: number;

  constructor(opts: LifecycleHooksOptions) {
    this.clock = opts.clock;
    this.exec = opts.exec;
    this.transport = opts.transport;
    this.events = opts.events;
    this.log = opts.log ?? silentLogger;
    this.kubeVersion = opts.kubeVersion ?? DEFAULT_KUBE_VERSION;
    this.postStartTimeoutMs = opts.postStartTimeoutMs ?? DEFAULT_POST_START_TIMEOUT_MS;
  }

  /**
   * Runs the container's postStart hook (call right after StartContainer; the pod's sync waits for
   * it). On failure emits Warning FailedPostStartHook "PostStartHook failed" and returns the
   * message; the caller kills the container and reports PostStartHookError. `signal` aborts the
   * wait (e.g. the pod is being deleted).
   */
  async runPostStart(target: HookTarget, opts: { signal?: AbortSignal } = {}): Promise<PostStartResult> {
    const handler = target.container.lifecycle?.postStart;
    if (handler === undefined) return { ok: true };
    const message = await this.runHandler(handler, target, { timeoutMs: this.postStartTimeoutMs, ...opts });
    if (message === undefined) return { ok: true };
    this.log.info({ pod: target.pod.metadata?.name, container: target.container.name, message }, 'postStart hook failed');
    this.emit(target, 'FailedPostStartHook', 'PostStartHook failed');
    return { ok: false, reason: 'PostStartHookError', message };
  }

  /**
   * Runs the container's preStop hook bounded by gracePeriodSeconds (the time counts against the
   * grace period). Returns how long it took and the grace left for stopContainer. On failure
   * within the grace period emits Warning FailedPreStopHook "PreStopHook failed". Only call it for
   * a container being stopped (never for one that exited by itself).
   */
  async runPreStop(target: HookTarget, gracePeriodSeconds: number, opts: { signal?: AbortSignal } = {}): Promise<PreStopResult> {
    const handler = target.container.lifecycle?.preStop;
    if (handler === undefined || gracePeriodSeconds <= 0) {
      return { ran: false, ok: true, completed: true, elapsedSeconds: 0, remainingGraceSeconds: Math.max(0, gracePeriodSeconds), stopGraceSeconds: remainingGrace(gracePeriodSeconds) };
    }
    const start = this.clock.now();
    const hookAbort = new AbortController();
    const deadline = this.clock.setTimer(gracePeriodSeconds * 1000, () => { hookAbort.abort(); });
    const onCallerAbort = (): void => { hookAbort.abort(); };
    opts.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (opts.signal?.aborted === true) hookAbort.abort();

    let message: string | undefined;
    let completed = true;
    const stopWaiting = abortPromise(hookAbort.signal);
    try {
      message = await Promise.race([
        this.runHandler(handler, target, { timeoutMs: gracePeriodSeconds * 1000, signal: hookAbort.signal }),
        stopWaiting.promise,
      ]);
    } catch (err) {
      if (!(err instanceof HookAborted)) throw err;
      completed = false;
    } finally {
      stopWaiting.dispose();
      deadline.cancel();
      opts.signal?.removeEventListener('abort', onCallerAbort);
    }
    const elapsedSeconds = Math.floor((this.clock.now() - start) / 1000);
    if (!completed) {
      this.log.info({ pod: target.pod.metadata?.name, container: target.container.name, gracePeriodSeconds }, 'preStop hook not completed in grace period');
    } else if (message !== undefined) {
      this.log.info({ pod: target.pod.metadata?.name, container: target.container.name, message }, 'preStop hook failed');
      this.emit(target, 'FailedPreStopHook', 'PreStopHook failed');
    }
    return {
      ran: true,
      ok: completed && message === undefined,
      completed,
      elapsedSeconds,
      remainingGraceSeconds: Math.max(0, gracePeriodSeconds - elapsedSeconds),
      stopGraceSeconds: remainingGrace(gracePeriodSeconds, elapsedSeconds),
      ...(message === undefined ? {} : { message }),
    };
  }

  /**
   * Runs one lifecycle handler. Resolves undefined on success or with the kubelet's failure message.
   * timeoutMs bounds exec and httpGet handlers; signal aborts sleep and httpGet handlers.
   */
  async runHandler(handler: LifecycleHandler, target: HookTarget, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<string | undefined> {
    const who = `for Container ${goQuote(target.container.name)} in Pod ${goQuote(formatPod(target.pod))}`;
    if (handler.exec !== undefined) {
      const cmd = handler.exec.command ?? [];
      const err = await this.runExec(cmd, target, opts.timeoutMs);
      if (err === undefined) return undefined;
      return `Exec lifecycle hook ([${cmd.join(' ')}]) ${who} failed - error: ${err.error}, message: ${goQuote(err.output)}`;
    }
    if (handler.httpGet !== undefined) {
      const err = await this.runHttp(handler, target, opts);
      if (err === undefined) return undefined;
      return `HTTP lifecycle hook (${handler.httpGet.path ?? ''}) ${who} failed - error: ${err}`;
    }
    if (handler.sleep !== undefined) {
      const seconds = handler.sleep.seconds;
      try {
        await this.clock.sleep(seconds * 1000, opts.signal);
        return undefined;
      } catch {
        return `Sleep lifecycle hook (${seconds}) ${who} failed - error: container terminated before sleep hook finished`;
      }
    }
    return `Cannot run handler: invalid handler: ${JSON.stringify(handler)}`;
  }

  private async runExec(cmd: string[], target: HookTarget, timeoutMs: number): Promise<{ error: string; output: string } | undefined> {
    try {
      const res = await this.exec.execSync(target.containerId, cmd, timeoutMs);
      if (res.timedOut) return { error: `command ${goQuote(cmd.join(' '))} timed out`, output: '' };
      if (res.exitCode === 0) return undefined;
      const output = Buffer.concat([res.stdout, res.stderr]).toString('utf8');
      return { error: `command '${cmd.join(' ')}' exited with ${res.exitCode}: ${res.stderr.toString('utf8')}`, output };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err), output: '' };
    }
  }

  private async runHttp(handler: LifecycleHandler, target: HookTarget, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<string | undefined> {
    const action = handler.httpGet;
    if (action === undefined) return 'no httpGet action';
    let req;
    try {
      req = buildHttpGetRequest(action, target.container, target.podIP, 'lifecycle', this.kubeVersion);
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    const via = { podUid: target.pod.metadata?.uid ?? '', containerId: target.containerId };
    const call = { timeoutMs: opts.timeoutMs, via, ...(opts.signal === undefined ? {} : { signal: opts.signal }) };
    const res = await httpGetWithRedirects(this.transport, req, call);
    if (res.kind === 'response') return undefined;
    if (req.scheme === 'https' && res.cause?.message === 'http: server gave HTTP response to HTTPS client') {
      // The kubelet retries over HTTP, without Authorization, and warns about it.
      const hostport = joinHostPort(req.host, req.port);
      const plain = {
        ...req,
        scheme: 'http' as const,
        url: req.url.replace(/^https:/, 'http:'),
        headers: req.headers.filter(([k]) => k.toLowerCase() !== 'authorization'),
      };
      const retry = await httpGetWithRedirects(this.transport, plain, call);
      if (retry.kind === 'response') {
        this.emit(target, 'LifecycleHTTPFallback', `request to HTTPS lifecycle hook ${hostport} got HTTP response, retry with HTTP succeeded`);
        return undefined;
      }
    }
    return res.message;
  }

  private emit(target: HookTarget, reason: string, message: string): void {
    try {
      this.events.emit({ pod: target.pod, containerName: target.container.name, type: 'Warning', reason, message });
    } catch (err) {
      this.log.error({ err }, 'hook event sink failed');
    }
  }
}
