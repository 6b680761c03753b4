// The node-shaping agent options (kubelet --node-labels, --max-pods, --system-reserved) from
// flags and the YAML config file: parsed, validated, and merged with flags winning.
import { NodeletError } from '../../lib/errors.ts';
import type { SystemReserved } from '../../agent/api/node-registrar.ts';
import { cpuMillis, quantityBytes } from '../../agent/pod-config/quantity.ts';

export class AgentConfigError extends NodeletError {
  constructor(message: string) {
    super('ERR_AGENT_CONFIG', message);
  }
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Comma-separated pairs ("k=v,k2=v2"), or a mapping from the config file. */
function pairs(what: string, v: string | Record<string, unknown>): [string, string][] {
  if (typeof v !== 'string') {
    if (typeof v !== 'object' || Array.isArray(v)) throw new AgentConfigError(`${what}: expected a mapping`);
    return Object.entries(v).map(([k, x]) => {
      if (typeof x !== 'string' && typeof x !== 'number') throw new AgentConfigError(`${what}: ${k}: expected a string`);
      return [k, String(x)];
    });
  }
  return v.split(',').map((p) => p.trim()).filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new AgentConfigError(`${what}: "${p}" is not key=value`);
    return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
  });
}

/** --node-labels "k=v,k2=v2" (or a nodeLabels mapping). */
export function parseNodeLabels(v: string | Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of pairs('--node-labels', v)) {
    if (k.length > 317 || !LABEL_KEY.test(k) || (k.split('/').pop() ?? '').length > 63) throw new AgentConfigError(`--node-labels: invalid label key "${k}"`);
    if (val.length > 63 || !LABEL_VALUE.test(val)) throw new AgentConfigError(`--node-labels: invalid value "${val}" for label "${k}"`);
    out[k] = val;
  }
  return out;
}

/** --max-pods N: a positive integer. */
export function parseMaxPods(v: string | number): number {
  const n = typeof v === 'number' ? v : Number(v.trim() === '' ? NaN : v);
  if (!Number.isInteger(n) || n < 1) throw new AgentConfigError(`--max-pods: "${String(v)}" is not a positive integer`);
  return n;
}

/** --system-reserved "cpu=500m,memory=1Gi" (or a systemReserved mapping). */
export function parseSystemReserved(v: string | Record<string, unknown>): SystemReserved {
  const out: SystemReserved = {};
  for (const [k, val] of pairs('--system-reserved', v)) {
    let n: number;
    try {
      if (k === 'cpu') n = cpuMillis(val);
      else if (k === 'memory') n = quantityBytes(val);
      else throw new AgentConfigError(`--system-reserved: unsupported resource "${k}" (cpu, memory)`);
    } catch (err) {
      if (err instanceof AgentConfigError) throw err;
      throw new AgentConfigError(`--system-reserved: invalid quantity "${val}" for ${k}`);
    }
    if (n < 0) throw new AgentConfigError(`--system-reserved: ${k} must not be negative`);
    if (k === 'cpu') out.cpuMillis = n;
    else out.memoryBytes = Math.floor(n);
  }
  return out;
}

export interface NodeShapeInput {
  nodeLabels?: string | Record<string, unknown>;
  maxPods?: string | number;
  systemReserved?: string | Record<string, unknown>;
}

export interface NodeShape {
  labels?: Record<string, string>;
  maxPods?: number;
  systemReserved?: SystemReserved;
}

/** Flags over the config file: labels merge (flag keys win), max-pods and system-reserved replace. */
export function nodeShape(flags: NodeShapeInput, cfg: NodeShapeInput): NodeShape {
  const out: NodeShape = {};
  if (cfg.nodeLabels !== undefined || flags.nodeLabels !== undefined) {
    out.labels = {
      ...(cfg.nodeLabels === undefined ? {} : parseNodeLabels(cfg.nodeLabels)),
      ...(flags.nodeLabels === undefined ? {} : parseNodeLabels(flags.nodeLabels)),
    };
  }
  const maxPods = flags.maxPods ?? cfg.maxPods;
  if (maxPods !== undefined) out.maxPods = parseMaxPods(maxPods);
  const reserved = flags.systemReserved ?? cfg.systemReserved;
  if (reserved !== undefined) out.systemReserved = parseSystemReserved(reserved);
  return out;
}
