// The kubelet-managed /etc/hosts (kubelet_pods.go managedHostsFileContent / nodeHostsFileContent),
// written to <root>/pods/<uid>/etc-hosts and bind-mounted read-write into every app container.
import type { HostAlias, Pod } from 'kubernetes-types/core/v1.d.ts';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Mount } from '../../runtime/types.ts';
import { etcHostsPath } from '../volumes/paths.ts';

export const MANAGED_HOSTS_HEADER = '# Kubernetes-managed hosts file.\n';
export const MANAGED_HOSTS_HEADER_HOST_NETWORK = '# Kubernetes-managed hosts file (host network).\n';

export function hostAliasesEntries(aliases: readonly HostAlias[] | undefined): string {
  if (aliases === undefined || aliases.length === 0) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) out += `${a.ip ?? ''}\t${(a.hostnames ?? []).join('\t')}\n`;
  return out;
}

export function managedHostsFileContent(podIPs: readonly string[], hostname: string, domain: string, aliases?: readonly HostAlias[]): string {
  let out = MANAGED_HOSTS_HEADER;
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) out += domain !== '' ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + hostAliasesEntries(aliases);
}

export function nodeHostsFileContent(nodeHosts: string, aliases?: readonly HostAlias[]): string {
  return MANAGED_HOSTS_HEADER_HOST_NETWORK + nodeHosts + hostAliasesEntries(aliases);
}

export interface EtcHostsOptions {
  rootDir: string;
  podIPs: readonly string[];
  hostname: string;
  domain: string;
  /** The node's hosts file, copied for hostNetwork pods (default /etc/hosts). */
  nodeHostsPath?: string;
}

/** Writes the pod's hosts file (mode 0644) and returns its mount at /etc/hosts. */
export async function writeEtcHosts(pod: Pod, opts: EtcHostsOptions): Promise<Mount> {
  const path = etcHostsPath(opts.rootDir, pod.metadata?.uid ?? '');
  const content = pod.spec?.hostNetwork === true
    ? nodeHostsFileContent(await readFile(opts.nodeHostsPath ?? '/etc/hosts', 'utf8'), pod.spec.hostAliases)
    : managedHostsFileContent(opts.podIPs, opts.hostname, opts.domain, pod.spec?.hostAliases);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { mode: 0o644 });
  await chmod(path, 0o644);
  return { hostPath: path, containerPath: '/etc/hosts', readOnly: false };
}
