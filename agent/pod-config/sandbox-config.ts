// Pod → SandboxConfig (kuberuntime generatePodSandboxConfig): hostname, DNS, port mappings,
// namespaces, sysctls, the pod's labels and annotations.
import type { Container, Pod } from 'kubernetes-types/core/v1.d.ts';
import type { NamespaceMode, PortMapping, SandboxConfig } from '../../runtime/types.ts';
import { podDnsConfig, type DnsEvent, type DnsOptions } from './dns.ts';
import { kernelHostname, podHostnameAndDomain } from './hostname.ts';
import { normalizeSysctlName } from './security.ts';

export interface SandboxOptions {
  attempt: number;
  dns: DnsOptions;
  /** The node's hostname: a hostNetwork pod keeps it. */
  nodeHostname: string;
  /** Infra image; the runtime's default when omitted. */
  image?: string;
  cgroupParent?: string;
  /** Warning events to record on the pod (MissingClusterDNS, DNSConfigForming). */
  onEvent?: (event: DnsEvent) => void;
}

/**
 * Port mappings of the pod's (regular) containers (MakePortMappings): one per declared port with
 * a hostPort (a hostNetwork pod's ports are defaulted to hostPort = containerPort); a port name
 * declared twice in a container is kept once.
 */
export function podPortMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  const hostNetwork = pod.spec?.hostNetwork === true;
  for (const c of pod.spec?.containers ?? []) out.push(...containerPortMappings(c, hostNetwork));
  return out;
}

function containerPortMappings(c: Container, hostNetwork: boolean): PortMapping[] {
  const out: PortMapping[] = [];
  const names = new Set<string>();
  for (const p of c.ports ?? []) {
    const protocol = (p.protocol ?? 'TCP') as PortMapping['protocol'];
    const family = p.hostIP !== undefined && p.hostIP.includes(':') ? 'v6' : 'v4';
    const name = p.name === undefined || p.name === '' ? `${family}-${c.name}-${protocol}:${p.containerPort}` : `${c.name}-${p.name}`;
    if (names.has(name)) continue;
    names.add(name);
    const hostPort = p.hostPort ?? (hostNetwork ? p.containerPort : 0);
    if (hostPort === 0) continue;
    const pm: PortMapping = { protocol, containerPort: p.containerPort, hostPort };
    if (p.hostIP !== undefined && p.hostIP !== '') pm.hostIP = p.hostIP;
    out.push(pm);
  }
  return out;
}

export function podNamespaces(pod: Pod): SandboxConfig['namespaces'] {
  const spec = pod.spec;
  let pid: NamespaceMode = 'container';
  if (spec?.hostPID === true) pid = 'node';
  else if (spec?.shareProcessNamespace === true) pid = 'pod';
  return {
    network: spec?.hostNetwork === true ? 'node' : 'pod',
    ipc: spec?.hostIPC === true ? 'node' : 'pod',
    pid,
  };
}

export function podSysctls(pod: Pod): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of pod.spec?.securityContext?.sysctls ?? []) out[normalizeSysctlName(s.name)] = s.value;
  return out;
}

export function buildSandboxConfig(pod: Pod, opts: SandboxOptions): SandboxConfig {
  const md = pod.metadata ?? {};
  const names = podHostnameAndDomain(pod, opts.dns.clusterDomain);
  const { dns, events } = podDnsConfig(pod, opts.dns);
  for (const e of events) opts.onEvent?.(e);
  const config: SandboxConfig = {
    pod: { name: md.name ?? '', namespace: md.namespace ?? 'default', uid: md.uid ?? '' },
    attempt: opts.attempt,
    hostname: pod.spec?.hostNetwork === true ? opts.nodeHostname : kernelHostname(pod, names),
    dns,
    portMappings: podPortMappings(pod),
    namespaces: podNamespaces(pod),
    sysctls: podSysctls(pod),
    labels: { ...(md.labels ?? {}) },
    annotations: { ...(md.annotations ?? {}) },
  };
  if (opts.image !== undefined) config.image = opts.image;
  if (opts.cgroupParent !== undefined) config.cgroupParent = opts.cgroupParent;
  return config;
}
