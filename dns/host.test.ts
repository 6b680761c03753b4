import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { firstNonLoopbackIPv4, parseResolvConf, parseUpstream } from './host.ts';

describe('parseResolvConf', () => {
  it('lists the nameservers in order, skipping comments and options', () => {
    const text = '# generated\nsearch example.test\nnameserver 192.0.2.53\n; nameserver 192.0.2.1\nnameserver   fe80::1%eth0 # link-local\nnameserver bogus\noptions ndots:5\nnameserver 2001:db8::53\n';
    expect(parseResolvConf(text)).toEqual(['192.0.2.53', 'fe80::1', '2001:db8::53']);
  });
});

describe('parseUpstream', () => {
  it.each([
    ['192.0.2.53', { host: '192.0.2.53', port: 53 }],
    ['192.0.2.53:5353', { host: '192.0.2.53', port: 5353 }],
    ['2001:db8::53', { host: '2001:db8::53', port: 53 }],
    ['[2001:db8::53]:5353', { host: '2001:db8::53', port: 5353 }],
  ])('%s', (s, want) => {
    expect(parseUpstream(s)).toEqual(want);
  });

  it.each(['dns.example.test', '192.0.2.53:0', '192.0.2.53:70000', ''])('rejects %j', (s) => {
    expect(() => parseUpstream(s)).toThrow(/not ip\[:port\]/);
  });
});

describe('firstNonLoopbackIPv4', () => {
  const info = (address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo =>
    (family === 'IPv4' ? { address, family, internal, netmask: '', mac: '', cidr: null } : { address, family, internal, netmask: '', mac: '', cidr: null, scopeid: 0 });
  it('skips loopback and IPv6', () => {
    expect(firstNonLoopbackIPv4({
      lo: [info('127.0.0.1', 'IPv4', true)],
      eth0: [info('fe80::1', 'IPv6', false), info('192.0.2.10', 'IPv4', false)],
      eth1: [info('198.51.100.1', 'IPv4', false)],
    })).toBe('192.0.2.10');
    expect(firstNonLoopbackIPv4({ lo: [info('127.0.0.1', 'IPv4', true)] })).toBeUndefined();
  });
});
