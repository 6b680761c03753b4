// One place that turns dockerode/docker-modem failures into RuntimeError codes, and the per-call
// deadline for short engine calls (a hung engine must not hang the agent's sync loop).
import { RuntimeError, type RuntimeErrorCode } from '../errors.ts';

/** Default deadline for short calls (inspect, create, list...). kubelet uses 2 min; we fail sooner. */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

interface ModemError {
  statusCode?: number;
  code?: string;
  name?: string;
  message?: string;
  json?: unknown;
}

function asModemError(err: unknown): ModemError {
  return typeof err === 'object' && err !== null ? (err) : { message: String(err) };
}

/** The engine's own message ("No such container: …") rather than docker-modem's wrapper text. */
export function engineMessage(err: unknown): string {
  const e = asModemError(err);
  const json = e.json;
  if (typeof json === 'object' && json !== null && 'message' in json && typeof json.message === 'string') return json.message;
  if (Buffer.isBuffer(json)) {
    const text = json.toString('utf8').trim();
    if (text !== '') {
      try {
        const parsed = JSON.parse(text) as { message?: unknown };
        if (typeof parsed.message === 'string') return parsed.message;
      } catch {
        return text;
      }
    }
  }
  const m = e.message ?? String(err);
  // docker-modem: "(HTTP code 404) no such container - No such container: x "
  const wrapped = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(m);
  return (wrapped?.[1] ?? m).trim();
}

export function statusCode(err: unknown): number | undefined {
  return asModemError(err).statusCode;
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EPIPE', 'ECONNRESET', 'EACCES', 'EHOSTUNREACH', 'ETIMEDOUT']);

function isTimeout(err: unknown): boolean {
  const e = asModemError(err);
  return e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'ABORT_ERR';
}

/**
 * Maps an engine failure: 404 → ERR_NOT_FOUND, 409 → ERR_CONFLICT, socket failures and missed
 * deadlines → ERR_ENGINE_UNAVAILABLE, anything else → `fallback`.
 */
export function toRuntimeError(err: unknown, fallback: RuntimeErrorCode, what: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const e = asModemError(err);
  if (e.statusCode === 404) return new RuntimeError('ERR_NOT_FOUND', `${what}: ${engineMessage(err)}`, err);
  if (e.statusCode === 409) return new RuntimeError('ERR_CONFLICT', `${what}: ${engineMessage(err)}`, err);
  if (isTimeout(err)) return new RuntimeError('ERR_ENGINE_UNAVAILABLE', `${what}: the engine did not answer in time`, err);
  if (e.code !== undefined && UNAVAILABLE_CODES.has(e.code)) {
    return new RuntimeError('ERR_ENGINE_UNAVAILABLE', `${what}: cannot reach the engine (${e.code})`, err);
  }
  return new RuntimeError(fallback, `${what}: ${engineMessage(err)}`, err);
}

/**
 * Runs a short engine call with a deadline. `call` receives an AbortSignal to hand to dockerode
 * (which cancels the HTTP request where dockerode supports it); the race below enforces the
 * deadline for the calls where it does not (e.g. image inspect).
 */
export async function withDeadline<T>(
  timeoutMs: number,
  what: string,
  fallback: RuntimeErrorCode,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`no answer within ${timeoutMs} ms`);
      err.name = 'TimeoutError';
      controller.abort(err);
      reject(err);
    }, timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } catch (err) {
    throw toRuntimeError(err, fallback, what);
  } finally {
    clearTimeout(timer);
  }
}
