import { describe, expect, it } from 'vitest';
import type { Obj } from './common.ts';
import { ENDPOINT_SLICE_KIND, ENDPOINT_SLICE_TABLE } from './endpoint-slice.ts';
import { ENDPOINTS_KIND, ENDPOINTS_TABLE } from './endpoints.ts';
import { create, created, NOW, update } from './testing.ts';

const ep = (subsets: unknown): Obj => ({ metadata: { name: 'web' }, subsets });
const slice = (body: Obj): Obj => ({ metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } }, ...body });

describe('Endpoints', () => {
  it('defaults port protocols to TCP', () => {
    const obj = created(ENDPOINTS_KIND, ep([{ addresses: [{ ip: '10.1.0.1' }], ports: [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }].map((p, i) => ({ name: `p${i}`, ...p })) }]));
    expect((obj['subsets'] as { ports: Obj[] }[])[0]?.ports).toEqual([{ name: 'p0', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }]);
  });

  const cases: [string, unknown, string[]][] = [
    ['no subsets', undefined, []],
    ['a subset needs addresses', [{ ports: [{ port: 80 }] }], ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']],
    ['addresses are routable IPs', [{ addresses: [{ ip: 'x' }, { ip: '127.0.0.1' }], notReadyAddresses: [{ ip: '0.0.0.0' }, { ip: '224.0.0.1' }] }], [
      'subsets[0].addresses[0].ip: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].addresses[0].ip: Invalid value: "x": must be a valid IP address',
      'subsets[0].addresses[1].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'subsets[0].notReadyAddresses[0].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
      'subsets[0].notReadyAddresses[1].ip: Invalid value: "224.0.0.1": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)',
    ]],
    ['hostnames and node names', [{ addresses: [{ ip: '10.1.0.1', hostname: 'A', nodeName: 'n_1' }] }], [
      'subsets[0].addresses[0].hostname: Invalid value: "A": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
      'subsets[0].addresses[0].nodeName: Invalid value: "n_1": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    ]],
    ['ports are named when several, numbered, with known protocols', [{ addresses: [{ ip: '10.1.0.1' }], ports: [{ port: 0 }, { name: 'b', port: 1, protocol: 'FTP' }] }], [
      'subsets[0].ports[0].name: Required value',
      'subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'subsets[0].ports[1].protocol: Unsupported value: "FTP": supported values: "SCTP", "TCP", "UDP"',
    ]],
  ];
  for (const [name, subsets, want] of cases) it(name, () => { expect(create(ENDPOINTS_KIND, ep(subsets)).errors).toEqual(want); });

  it('updates validate the same way', () => {
    const old = created(ENDPOINTS_KIND, ep([{ addresses: [{ ip: '10.1.0.1' }], ports: [{ port: 80 }] }]));
    expect(update(ENDPOINTS_KIND, old, ep([{ addresses: [{ ip: '10.1.0.2' }], ports: [{ port: 81 }] }])).errors).toEqual([]);
    expect(update(ENDPOINTS_KIND, old, ep([{ ports: [{ port: 81 }] }])).errors).toEqual(['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']);
  });

  it('prints ENDPOINTS as up to three ip:port pairs', () => {
    const row = (subsets: unknown): unknown[] => ENDPOINTS_TABLE.row({ metadata: { name: 'web', creationTimestamp: '2026-11-23T17:59:00Z' }, subsets }, NOW).cells;
    expect(ENDPOINTS_TABLE.columns.map((c) => c.name)).toEqual(['Name', 'Endpoints', 'Age']);
    expect(row(undefined)).toEqual(['web', '<none>', '60s']);
    expect(row([{ addresses: [{ ip: '10.1.0.1' }, { ip: 'fd00::1' }], ports: [{ port: 80 }] }])).toEqual(['web', '10.1.0.1:80,[fd00::1]:80', '60s']);
    expect(row([{ addresses: [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }], ports: [{ port: 80 }, { port: 443 }] }])).toEqual(['web', '10.1.0.1:80,10.1.0.2:80,10.1.0.1:443 + 1 more...', '60s']);
    expect(row([{ addresses: [{ ip: '10.1.0.1' }] }])).toEqual(['web', '10.1.0.1', '60s']);
  });
});

describe('EndpointSlice', () => {
  const valid = slice({ addressType: 'IPv4', ports: [{ name: 'http', port: 80 }], endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true } }, { addresses: ['10.1.0.6'] }] });

  it('defaults ports, sets generation 1, fills kube\'s non-omitempty fields', () => {
    const obj = created(ENDPOINT_SLICE_KIND, valid);
    expect(obj['ports']).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
    expect(obj['endpoints']).toEqual([{ addresses: ['10.1.0.5'], conditions: { ready: true } }, { addresses: ['10.1.0.6'], conditions: {} }]);
    expect((obj['metadata'] as Obj)['generation']).toBe(1);
    expect(created(ENDPOINT_SLICE_KIND, slice({ addressType: 'FQDN' }))).toMatchObject({ endpoints: null, ports: null });
  });

  it('drops deprecatedTopology written through v1', () => {
    const obj = created(ENDPOINT_SLICE_KIND, slice({ addressType: 'IPv4', endpoints: [{ addresses: ['10.1.0.5'], deprecatedTopology: { 'kubernetes.io/hostname': 'n1' } }] }));
    expect(obj['endpoints']).toEqual([{ addresses: ['10.1.0.5'], conditions: {} }]);
  });

  it('bumps generation on changes outside metadata and on label changes only', () => {
    const old = created(ENDPOINT_SLICE_KIND, valid);
    const same = update(ENDPOINT_SLICE_KIND, old, { ...structuredClone(old), metadata: { ...(old['metadata'] as Obj), annotations: { a: 'b' } } });
    expect((same.obj['metadata'] as Obj)['generation']).toBe(1);
    const changed = update(ENDPOINT_SLICE_KIND, old, { ...structuredClone(old), endpoints: [{ addresses: ['10.1.0.7'] }] });
    expect(changed.errors).toEqual([]);
    expect((changed.obj['metadata'] as Obj)['generation']).toBe(2);
    const relabeled = update(ENDPOINT_SLICE_KIND, old, { ...structuredClone(old), metadata: { labels: { a: 'b' } } });
    expect((relabeled.obj['metadata'] as Obj)['generation']).toBe(2);
  });

  const cases: [string, Obj, string[]][] = [
    ['addressType is required', slice({ endpoints: [] }), ['addressType: Required value']],
    ['addressType values', slice({ addressType: 'IP' }), ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']],
    ['addresses of the slice\'s type', slice({ addressType: 'IPv4', endpoints: [{ addresses: [] }, { addresses: ['fd00::1', '127.0.0.1'] }] }), [
      'endpoints[0].addresses: Required value: must contain at least 1 address',
      'endpoints[1].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
      'endpoints[1].addresses[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ]],
    ['FQDN addresses', slice({ addressType: 'FQDN', endpoints: [{ addresses: ['example.com', 'localhost'] }] }), [
      'endpoints[0].addresses[1]: Invalid value: "localhost": should be a domain with at least two segments separated by dots',
    ]],
    ['ports: unique names, protocols', slice({ addressType: 'IPv6', ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81, protocol: 'FTP' }, { name: 'B_', port: 82 }] }), [
      'ports[1].name: Duplicate value: "a"',
      'ports[1].protocol: Unsupported value: "FTP": supported values: "SCTP", "TCP", "UDP"',
      'ports[2].name: Invalid value: "B_": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
    ]],
    ['too many endpoints', slice({ addressType: 'IPv4', endpoints: Array.from({ length: 1001 }, () => ({ addresses: ['10.0.0.1'] })) }), ['endpoints: Too many: 1001: must have at most 1000 items']],
  ];
  for (const [name, body, want] of cases) it(name, () => { expect(create(ENDPOINT_SLICE_KIND, body).errors).toEqual(want); });

  it('addressType is immutable', () => {
    const old = created(ENDPOINT_SLICE_KIND, valid);
    expect(update(ENDPOINT_SLICE_KIND, old, { ...structuredClone(old), addressType: 'IPv6', endpoints: [] }).errors).toEqual(['addressType: Invalid value: "IPv6": field is immutable']);
  });

  it('prints ADDRESSTYPE, PORTS and ENDPOINTS', () => {
    expect(ENDPOINT_SLICE_TABLE.columns.map((c) => c.name)).toEqual(['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']);
    expect(ENDPOINT_SLICE_TABLE.row(created(ENDPOINT_SLICE_KIND, valid), NOW).cells).toEqual(['web-abc', 'IPv4', '80', '10.1.0.5,10.1.0.6', '5m']);
    const many = slice({ addressType: 'IPv4', ports: [{ port: 1 }, { name: 'n' }, {}, { port: 4 }], endpoints: [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3', '10.0.0.4', '10.0.0.5'] }] });
    expect(ENDPOINT_SLICE_TABLE.row(many, NOW).cells.slice(1, 4)).toEqual(['IPv4', '1,n,* + 1 more...', '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...']);
    expect(ENDPOINT_SLICE_TABLE.row(slice({ addressType: 'FQDN' }), NOW).cells.slice(1, 4)).toEqual(['FQDN', '<unset>', '<unset>']);
  });
});
