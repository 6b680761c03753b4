// Where pods reach the API server: the advertise address (the `kubernetes` Service's endpoint) and
// the names its serving certificate must carry for them. Kept light: `nodelet up` reads it before
// the daemons start.
import { networkInterfaces } from 'node:os';

/**
 * The serving certificate's names when the server is also reached from pods: the advertise
 * address, the `kubernetes` Service's ClusterIP and its DNS names (as kube-apiserver's).
 */
export function inClusterCertificateHosts(advertise: string, serviceIP: string, clusterDomain = 'cluster.local'): string[] {
  return [advertise, serviceIP, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${clusterDomain}`];
}

/**
 * The address a pod reaches the server on (what --advertise-address defaults to): the listen
 * address when it is a concrete, non-loopback one, else the host's first non-loopback IPv4
 * address, else the listen address.
 */
export function defaultAdvertiseAddress(host: string): string {
  const concrete = host !== '' && host !== '0.0.0.0' && host !== '::' && !host.startsWith('127.') && host !== 'localhost' && host !== '::1';
  if (concrete) return host;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return host === '' || host === '0.0.0.0' || host === 'localhost' ? '127.0.0.1' : host;
}

