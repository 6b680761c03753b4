// The cluster's network facts every component must agree on: the API server allocates Service IPs
// and node ports from these ranges, the service proxy routes the whole service range to a local
// blackhole (so no packet for a Service IP ever leaves the machine), the DNS server answers for
// the cluster domain and the agent writes pods' resolv.conf. Defaults as kubeadm's.
import type { Service } from 'kubernetes-types/core/v1.d.ts';

/** kube-apiserver --service-cluster-ip-range as kubeadm sets it. */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
/** kube-apiserver --service-node-port-range. */
export const DEFAULT_NODE_PORT_RANGE = { first: 30000, last: 32767 } as const;
/** kubelet --cluster-domain. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** Port the DNS server listens on, on the node's address; the kube-dns Service maps 53 to it. */
export const DEFAULT_DNS_PORT = 10053;
/** The kube-dns Service's ports (names as upstream's CoreDNS manifests). */
export const KUBE_DNS = { namespace: 'kube-system', name: 'kube-dns', port: 53, udpPortName: 'dns', tcpPortName: 'dns-tcp' } as const;

export interface Cidr {
  /** The network address as a 32-bit unsigned number. */
  base: number;
  prefix: number;
  /** Addresses in the range, network and broadcast included. */
  size: number;
}

export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function numberToIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses an IPv4 CIDR such as 10.96.0.0/12; undefined when it is not one. */
export function parseCidr(cidr: string): Cidr | undefined {
  const [ip, len, extra] = cidr.split('/');
  if (ip === undefined || len === undefined || extra !== undefined || !/^\d{1,2}$/.test(len)) return undefined;
  const prefix = Number(len);
  const n = ipv4ToNumber(ip);
  if (n === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const base = n - (n % size);
  return { base, prefix, size };
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const n = ipv4ToNumber(ip);
  return n !== undefined && n >= c.base && n < c.base + c.size;
}

/** The n-th address of the range (0 = the network address). */
export function nthAddress(c: Cidr, n: number): string {
  return numberToIPv4(c.base + n);
}

/** The `kubernetes` Service's ClusterIP: the range's first usable address (10.96.0.1). */
export function kubernetesServiceIP(c: Cidr): string {
  return nthAddress(c, 1);
}

/** The kube-dns Service's ClusterIP, as kubeadm picks it: the tenth address (10.96.0.10). */
export function kubeDnsServiceIP(c: Cidr): string {
  return nthAddress(c, 10);
}

/** helper.IsServiceIPSet: a cluster IP other than "None" (headless) or unset (ExternalName, not allocated yet). */
export function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP ?? '';
  return ip !== '' && ip !== 'None';
}
