// What every capability module of the Docker runtime shares: the client, whose node it serves,
// a logger, the clock, and the deadline for short engine calls.
import type Docker from 'dockerode';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';

export interface EngineContext {
  docker: Docker;
  /** Everything created carries io.nodelet.node=<nodeName>; every list filters on it. */
  nodeName: string;
  log: Logger;
  clock: Clock;
  /** Deadline of short calls (inspect, create, start, list…); long streams have none. */
  callTimeoutMs: number;
  /** What this engine turned out not to allow, learned once and shared by every module. */
  quirks: EngineQuirks;
}

export interface EngineQuirks {
  /**
   * Whether a negative oom_score_adj can be set. An engine without CAP_SYS_RESOURCE (some
   * sandboxed VMs, rootless) cannot lower it, and runc then fails every start. Unknown until the
   * first sandbox (which asks for -998) starts or fails.
   */
  negativeOomScoreAdj?: boolean;
}

/** Read through a call so TypeScript does not narrow `aborted` across awaits. */
export function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
