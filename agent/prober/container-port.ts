// Resolves a probe or hook port (number, numeric string or container port name), as the kubelet's
// probe.ResolveContainerPort does. Failures are configuration errors: the probe "errors".
import type { Container } from 'kubernetes-types/core/v1.d.ts';
import { NodeletError } from '../../lib/errors.ts';

export class ProbeConfigError extends NodeletError {
  constructor(message: string) {
    super('ERR_PROBE_CONFIG', message);
  }
}

export function resolveContainerPort(port: number | string | undefined, container: Container): number {
  let n: number;
  if (typeof port === 'number') {
    n = port;
  } else if (typeof port === 'string') {
    const named = (container.ports ?? []).find((p) => p.name === port);
    if (named !== undefined) {
      n = named.containerPort;
    } else if (/^[+-]?\d+$/.test(port)) {
      n = Number.parseInt(port, 10);
    } else {
      // Go: strconv.Atoi's error, after the name lookup failed.
      throw new ProbeConfigError(`strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
    }
  } else {
    throw new ProbeConfigError('intOrString had no kind: {Type:0 IntVal:0 StrVal:}');
  }
  if (n > 0 && n < 65536) return n;
  throw new ProbeConfigError(`invalid port number: ${n}`);
}
