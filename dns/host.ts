// What the DNS server takes from its host: the upstream servers (the nameservers of
// /etc/resolv.conf, as CoreDNS's `forward . /etc/resolv.conf`) and the node address to serve on
// (the first non-loopback IPv4 address). Parsing is pure; reading the host is a thin wrapper.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { NodeletError } from '../lib/errors.ts';
import type { HostPort } from './transport.ts';

export const DNS_PORT = 53;

export class DnsFlagError extends NodeletError {
  constructor(message: string) {
    super('dns.flags', message);
  }
}

/** The nameserver addresses of a resolv.conf, in order. */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const [key, value] = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (key !== 'nameserver' || value === undefined) continue;
    // a zone index (fe80::1%eth0) cannot be dialled by address alone
    const ip = value.split('%')[0] ?? '';
    if (isIP(ip) !== 0) out.push(ip);
  }
  return out;
}

/** `ip`, `ip:port`, `[ipv6]:port` or a bare IPv6 address; port 53 when not given. */
export function parseUpstream(s: string): HostPort {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  let host: string;
  let port: string | undefined;
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    port = bracketed[2];
  } else if (isIP(s) === 6) {
    host = s;
  } else {
    const i = s.lastIndexOf(':');
    host = i < 0 ? s : s.slice(0, i);
    port = i < 0 ? undefined : s.slice(i + 1);
  }
  const n = port === undefined ? DNS_PORT : Number(port);
  if (isIP(host) === 0 || !Number.isInteger(n) || n < 1 || n > 65535) throw new DnsFlagError(`upstream ${JSON.stringify(s)} is not ip[:port]`);
  return { host, port: n };
}

/** The host's resolvers from /etc/resolv.conf (none when it cannot be read). */
export function hostUpstreams(path = '/etc/resolv.conf'): HostPort[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return parseResolvConf(text).map((host) => ({ host, port: DNS_PORT }));
}

/** The first non-internal IPv4 address among the interfaces, by interface name order as listed. */
export function firstNonLoopbackIPv4(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string | undefined {
  for (const infos of Object.values(ifaces)) {
    for (const info of infos ?? []) {
      if (info.family === 'IPv4' && !info.internal && !info.address.startsWith('127.')) return info.address;
    }
  }
  return undefined;
}

export function hostAddress(): string | undefined {
  return firstNonLoopbackIPv4(networkInterfaces());
}
