// Runs one probe handler (exec, httpGet, tcpSocket, grpc) against a container and classifies the
// outcome like the kubelet's prober: success / warning / failure with the handler's output, or
// unknown with an error (the probe "errored": its result is discarded by the worker). Messages
// match the kubelet's (pkg/probe/{exec,http,tcp,grpc}) so Unhealthy events read the same.
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.d.ts';
import type { ExecService } from '../../runtime/types.ts';
import { expandStaticCommand } from '../env/expansion.ts';
import { resolveContainerPort, ProbeConfigError } from './container-port.ts';
import { goDuration, goQuote } from './go-format.ts';
import { buildHttpGetRequest, DEFAULT_KUBE_VERSION, httpGetWithRedirects, MAX_BODY_BYTES } from './http-get.ts';
import { joinHostPort, TransportError, type ProbeTransport } from './transport.ts';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

/** The kubelet's probe.Result. `warning` counts as success (e.g. redirect to another host). */
export type ProbeAttemptResult = 'success' | 'warning' | 'failure' | 'unknown';

export interface ProbeAttempt {
  result: ProbeAttemptResult;
  /** Handler output: exec stdout+stderr, HTTP body or failure text (what events quote). */
  output: string;
  /** Set when the probe errored (result 'unknown'): misconfiguration or runtime failure. */
  error?: Error;
}

export interface ProbeTarget {
  pod: Pod;
  container: Container;
  /** The runtime's container ID, as ExecService takes it. */
  containerId: string;
  /** Default host for httpGet/tcpSocket/grpc (the pod IP, or the node IP for hostNetwork pods). */
  podIP: string | undefined;
}

export interface ProbeRunnerDeps {
  exec: Pick<ExecService, 'execSync'>;
  transport: ProbeTransport;
  /** major.minor for User-Agent: kube-probe/<v>. */
  kubeVersion?: string;
}

/** Exec output kept for messages (the kubelet's maxReadLength). */
export const MAX_EXEC_OUTPUT_BYTES = 10 * 1024;
/** Attempts on *errors* only (the kubelet's maxProbeRetries). */
export const MAX_PROBE_RETRIES = 3;

/** Liveness / Readiness / Startup, as the kubelet prints probe types. */
export function probeTypeLabel(kind: ProbeKind): string {
  return kind === 'liveness' ? 'Liveness' : kind === 'readiness' ? 'Readiness' : 'Startup';
}

export function probeSpecOf(container: Container, kind: ProbeKind): Probe | undefined {
  return kind === 'liveness' ? container.livenessProbe : kind === 'readiness' ? container.readinessProbe : container.startupProbe;
}

function timeoutMsOf(probe: Probe): number {
  const s = probe.timeoutSeconds ?? 1;
  return (s > 0 ? s : 1) * 1000;
}

function errored(err: unknown): ProbeAttempt {
  return { result: 'unknown', output: '', error: err instanceof Error ? err : new Error(String(err)) };
}

async function runExec(probe: Probe, command: string[], target: ProbeTarget, deps: ProbeRunnerDeps): Promise<ProbeAttempt> {
  const cmd = expandStaticCommand(command, target.container.env);
  let res;
  try {
    res = await deps.exec.execSync(target.containerId, cmd, timeoutMsOf(probe));
  } catch (err) {
    return errored(err);
  }
  if (res.timedOut) return { result: 'failure', output: `command ${goQuote(cmd.join(' '))} timed out` };
  const output = Buffer.concat([res.stdout, res.stderr]).subarray(0, MAX_EXEC_OUTPUT_BYTES).toString('utf8');
  return { result: res.exitCode === 0 ? 'success' : 'failure', output };
}

async function runHttp(probe: Probe, target: ProbeTarget, deps: ProbeRunnerDeps): Promise<ProbeAttempt> {
  const action = probe.httpGet;
  if (action === undefined) return errored(new Error('no httpGet action'));
  let req;
  try {
    req = buildHttpGetRequest(action, target.container, target.podIP, 'probe', deps.kubeVersion ?? DEFAULT_KUBE_VERSION);
  } catch (err) {
    return errored(err);
  }
  const res = await httpGetWithRedirects(deps.transport, req, {
    timeoutMs: timeoutMsOf(probe),
    via: { podUid: target.pod.metadata?.uid ?? '', containerId: target.containerId },
  });
  // Transport errors (refused, timeouts) are failures, not errors: the kubelet "converts errors
  // into failures to catch timeouts".
  if (res.kind === 'error') return { result: 'failure', output: res.message };
  const body = res.body.slice(0, MAX_BODY_BYTES);
  if (res.statusCode >= 200 && res.statusCode < 400) {
    if (res.statusCode >= 300) return { result: 'warning', output: `Probe terminated redirects, Response body: ${body}` };
    return { result: 'success', output: body };
  }
  // The body is deliberately not part of the failure message (kubernetes#99425).
  return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.statusCode}` };
}

async function runTcp(probe: Probe, target: ProbeTarget, deps: ProbeRunnerDeps): Promise<ProbeAttempt> {
  const action = probe.tcpSocket;
  if (action === undefined) return errored(new Error('no tcpSocket action'));
  let port: number;
  try {
    port = resolveContainerPort(action.port, target.container);
  } catch (err) {
    return errored(err);
  }
  const host = action.host !== undefined && action.host !== '' ? action.host : target.podIP;
  if (host === undefined || host === '') return errored(new ProbeConfigError('pod has no IP address yet'));
  try {
    await deps.transport.tcpConnect({
      host, port, timeoutMs: timeoutMsOf(probe),
      via: { podUid: target.pod.metadata?.uid ?? '', containerId: target.containerId },
    });
    return { result: 'success', output: '' };
  } catch (err) {
    return { result: 'failure', output: err instanceof Error ? err.message : String(err) };
  }
}

async function runGrpc(probe: Probe, target: ProbeTarget, deps: ProbeRunnerDeps): Promise<ProbeAttempt> {
  const action = probe.grpc;
  if (action === undefined) return errored(new Error('no grpc action'));
  const check = deps.transport.grpcHealthCheck?.bind(deps.transport);
  if (check === undefined) return errored(new Error('gRPC probes are not supported by this probe transport'));
  const host = target.podIP;
  if (host === undefined || host === '') return errored(new ProbeConfigError('pod has no IP address yet'));
  const timeoutMs = timeoutMsOf(probe);
  const addr = joinHostPort(host, action.port);
  const within = goDuration(timeoutMs / 1000);
  try {
    const res = await check({
      host, port: action.port, service: action.service ?? '', timeoutMs,
      userAgent: `kube-probe/${deps.kubeVersion ?? DEFAULT_KUBE_VERSION}`,
      via: { podUid: target.pod.metadata?.uid ?? '', containerId: target.containerId },
    });
    if (res.kind === 'rpc-error') {
      if (res.code === 12) return { result: 'failure', output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${res.message}` };
      if (res.code === 4) return { result: 'failure', output: `timeout: health rpc did not complete within ${within}` };
      return { result: 'failure', output: `error: health rpc probe failed: rpc error: code = ${grpcCodeName(res.code)} desc = ${res.message}` };
    }
    if (res.status !== 'SERVING') return { result: 'failure', output: `service unhealthy (responded with ${goQuote(res.status)})` };
    return { result: 'success', output: 'service healthy' };
  } catch (err) {
    if (err instanceof TransportError && err.kind === 'timeout' && err.phase !== 'connect') {
      return { result: 'failure', output: `timeout: health rpc did not complete within ${within}` };
    }
    // The kubelet dials with WithBlock, so a refused connection is retried until the deadline.
    return { result: 'failure', output: `timeout: failed to connect service ${goQuote(addr)} within ${within}: context deadline exceeded` };
  }
}

const GRPC_CODES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal',
  'Unavailable', 'DataLoss', 'Unauthenticated'];

function grpcCodeName(code: number): string {
  return GRPC_CODES[code] ?? `Code(${code})`;
}

/** One attempt of probe's handler against target. Never throws. */
export async function runProbeOnce(probe: Probe, target: ProbeTarget, deps: ProbeRunnerDeps): Promise<ProbeAttempt> {
  try {
    if (probe.exec !== undefined) return await runExec(probe, probe.exec.command ?? [], target, deps);
    if (probe.httpGet !== undefined) return await runHttp(probe, target, deps);
    if (probe.tcpSocket !== undefined) return await runTcp(probe, target, deps);
    if (probe.grpc !== undefined) return await runGrpc(probe, target, deps);
  } catch (err) {
    return errored(err);
  }
  const md = target.pod.metadata ?? {};
  return errored(new Error(`missing probe handler for ${md.name ?? ''}_${md.namespace ?? ''}(${md.uid ?? ''}):${target.container.name}`));
}

/** Runs the probe, retrying (up to `retries` attempts) only while it errors, like the kubelet. */
export async function runProbe(probe: Probe, target: ProbeTarget, deps: ProbeRunnerDeps, retries = MAX_PROBE_RETRIES): Promise<ProbeAttempt> {
  let attempt: ProbeAttempt = errored(new Error('probe not run'));
  for (let i = 0; i < Math.max(1, retries); i++) {
    attempt = await runProbeOnce(probe, target, deps);
    if (attempt.error === undefined) return attempt;
  }
  return attempt;
}

/**
 * The event the kubelet records for an attempt: Warning Unhealthy "<Type> probe failed: <output>",
 * Warning Unhealthy "<Type> probe errored and resulted in unknown state: <err>", Warning
 * ProbeWarning "<Type> probe warning: <output>"; none for a success.
 */
export function probeEvent(kind: ProbeKind, attempt: ProbeAttempt): { reason: 'Unhealthy' | 'ProbeWarning'; message: string } | undefined {
  const type = probeTypeLabel(kind);
  if (attempt.error !== undefined) {
    return { reason: 'Unhealthy', message: `${type} probe errored and resulted in ${attempt.result} state: ${attempt.error.message}` };
  }
  switch (attempt.result) {
    case 'failure':
      return { reason: 'Unhealthy', message: `${type} probe failed: ${attempt.output}` };
    case 'warning':
      return { reason: 'ProbeWarning', message: `${type} probe warning: ${attempt.output}` };
    default:
      return undefined;
  }
}
