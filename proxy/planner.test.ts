import { describe, expect, it } from 'vitest';
import { builtinJumps, chainPrefixFor, endpointChain, externalChain, localServiceChain, serviceChain } from './chains.ts';
import { cleanupBatch } from './cleanup.ts';
import { EMPTY_STATE, jumpKey, parseSave, planRules, probability, renderPartial, renderRestore, writtenOf, type PlanOptions } from './planner.ts';
import { buildServicePorts } from './service-ports.ts';
import { endpoint, service, slice } from './testing.ts';
import type { Service } from 'kubernetes-types/core/v1.d.ts';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.d.ts';

const OPTS: PlanOptions = { serviceCidr: '10.96.0.0/12', masqueradeAll: false, localhostNodePorts: true, masqueradeMark: '0x2000' };
const WEB = 'default/web:http';
const SVC = serviceChain(WEB, 'tcp');

function plan(services: Service[], slices: EndpointSlice[], o: Partial<PlanOptions> = {}) {
  return planRules({ servicePorts: buildServicePorts(services, slices, 'node-1'), options: { ...OPTS, ...o } });
}

function rulesOf(lines: string[], chain: string): string[] {
  return lines.filter((l) => l.startsWith(`-A ${chain} `)).map((l) => l.slice(`-A ${chain} `.length));
}

const web = (spec: Partial<NonNullable<Service['spec']>> = {}): Service =>
  service('web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...spec });
const webSlice = (...eps: ReturnType<typeof endpoint>[]): EndpointSlice => slice('web', [{ name: 'http', port: 8080 }], eps);

describe('planRules: cluster IPs', () => {
  it('balances over ready endpoints with kube-proxy probabilities and DNATs in per-endpoint chains', () => {
    const p = plan([web()], [webSlice(endpoint('172.17.0.4'), endpoint('172.17.0.2'), endpoint('172.17.0.3'))]);
    expect(rulesOf(p.nat.rules, 'NODELET-SERVICES')[0]).toBe(`-m comment --comment "${WEB} cluster IP" -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j ${SVC}`);
    const seps = ['172.17.0.2', '172.17.0.3', '172.17.0.4'].map((ip) => endpointChain(WEB, 'tcp', `${ip}:8080`));
    expect(rulesOf(p.nat.rules, SVC)).toEqual([
      `-m comment --comment "${WEB} -> 172.17.0.2:8080" -m statistic --mode random --probability 0.3333333333 -j ${seps[0]}`,
      `-m comment --comment "${WEB} -> 172.17.0.3:8080" -m statistic --mode random --probability 0.5000000000 -j ${seps[1]}`,
      `-m comment --comment "${WEB} -> 172.17.0.4:8080" -j ${seps[2]}`,
    ]);
    expect(rulesOf(p.nat.rules, seps[0]!)).toEqual([
      `-m comment --comment "${WEB}" -s 172.17.0.2/32 -j NODELET-MARK-MASQ`,
      `-m comment --comment "${WEB}" -p tcp -m tcp -j DNAT --to-destination 172.17.0.2:8080`,
    ]);
    expect(p.filter.rules.some((r) => r.includes('10.96.0.20/32'))).toBe(false);
    expect(p).toMatchObject({ served: 1, unserved: 0 });
  });

  it.each([
    ['no slice at all', [] as EndpointSlice[], 'has no endpoints', 'REJECT --reject-with tcp-reset'],
    ['a slice without endpoints', [webSlice()], 'has no endpoints', 'REJECT --reject-with tcp-reset'],
    ['only unready endpoints', [webSlice(endpoint('172.17.0.2', { ready: false, serving: false }))], 'has no endpoints', 'REJECT --reject-with tcp-reset'],
  ])('with %s: no DNAT, and the filter table refuses at once', (_what, slices, why, verdict) => {
    const p = plan([web()], slices);
    expect(p.nat.chains).not.toContain(SVC);
    expect(rulesOf(p.nat.rules, 'NODELET-SERVICES').some((r) => r.includes('10.96.0.20'))).toBe(false);
    expect(rulesOf(p.filter.rules, 'NODELET-SERVICES')[0]).toBe(`-m comment --comment "${WEB} ${why}" -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j ${verdict}`);
    expect(p).toMatchObject({ served: 0, unserved: 1 });
  });

  it.each([
    ['ready ones only, when some are ready', [endpoint('172.17.0.2'), endpoint('172.17.0.3', { ready: false, serving: true, terminating: true }), endpoint('172.17.0.5', { ready: false })], ['172.17.0.2']],
    ['ready unset counts as ready', [{ addresses: ['172.17.0.6'] }], ['172.17.0.6']],
    ['serving terminating ones when none is ready', [endpoint('172.17.0.3', { ready: false, serving: true, terminating: true }), endpoint('172.17.0.4', { ready: false, serving: false, terminating: true })], ['172.17.0.3']],
  ])('endpoint choice: %s', (_what, eps, expected) => {
    const p = plan([web()], [webSlice(...eps)]);
    expect(rulesOf(p.nat.rules, SVC).map((r) => /-> ([\d.]+):/.exec(r)?.[1])).toEqual(expected);
  });

  it('deduplicates an endpoint listed by two slices and does not depend on input order', () => {
    const a = slice('web', [{ name: 'http', port: 8080 }], [endpoint('172.17.0.2', { ready: false }), endpoint('172.17.0.3')], 'web-a');
    const b = slice('web', [{ name: 'http', port: 8080 }], [endpoint('172.17.0.2')], 'web-b');
    const one = plan([web(), service('other', { clusterIP: '10.96.0.30', ports: [{ port: 53, protocol: 'UDP' }] })], [a, b]);
    const two = plan([service('other', { clusterIP: '10.96.0.30', ports: [{ port: 53, protocol: 'UDP' }] }), web()], [b, a]);
    expect(rulesOf(one.nat.rules, SVC)).toHaveLength(2);
    expect(renderRestore(one, EMPTY_STATE)).toBe(renderRestore(two, EMPTY_STATE));
  });

  it('matches slice ports by name and protocol (unnamed UDP port)', () => {
    const dns = service('dns', { clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }, { name: 'tcp', port: 53, protocol: 'TCP' }] }, 'kube-system');
    const s = slice('dns', [{ port: 10053, protocol: 'UDP' }, { name: 'tcp', port: 10053 }], [endpoint('172.17.0.9')], 'dns-x', 'kube-system');
    const p = plan([dns], [s]);
    const udp = serviceChain('kube-system/dns:', 'udp');
    expect(rulesOf(p.nat.rules, 'NODELET-SERVICES')).toContain(`-m comment --comment "kube-system/dns: cluster IP" -d 10.96.0.10/32 -p udp -m udp --dport 53 -j ${udp}`);
    expect(rulesOf(p.nat.rules, endpointChain('kube-system/dns:', 'udp', '172.17.0.9:10053'))[1]).toContain('-p udp -m udp -j DNAT --to-destination 172.17.0.9:10053');
    expect(p.served).toBe(2);
  });

  it.each([
    ['ExternalName', service('x', { type: 'ExternalName', externalName: 'example.org', ports: [{ port: 80 }] })],
    ['headless', service('x', { clusterIP: 'None', ports: [{ port: 80 }] })],
    ['another proxy\'s', { ...service('x', { clusterIP: '10.96.0.7', ports: [{ port: 80 }] }), metadata: { name: 'x', namespace: 'default', labels: { 'service.kubernetes.io/service-proxy-name': 'other' } } }],
  ])('skips %s Services', (_what, svc) => {
    const p = plan([svc], []);
    expect(p.served + p.unserved).toBe(0);
  });

  it('masquerade-all marks every cluster-IP packet first', () => {
    const p = plan([web()], [webSlice(endpoint('172.17.0.2'))], { masqueradeAll: true });
    expect(rulesOf(p.nat.rules, SVC)[0]).toBe(`-m comment --comment "${WEB} cluster IP" -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j NODELET-MARK-MASQ`);
  });

  it('ClientIP affinity: recent checks before balancing, recent set in the endpoint chain', () => {
    const p = plan([web({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })], [webSlice(endpoint('172.17.0.2'), endpoint('172.17.0.3'))]);
    const sep = endpointChain(WEB, 'tcp', '172.17.0.2:8080');
    const svc = rulesOf(p.nat.rules, SVC);
    expect(svc).toHaveLength(4);
    expect(svc[0]).toBe(`-m comment --comment "${WEB} -> 172.17.0.2:8080" -m recent --name ${sep} --rcheck --seconds 60 --reap -j ${sep}`);
    expect(rulesOf(p.nat.rules, sep)[1]).toBe(`-m comment --comment "${WEB}" -m recent --name ${sep} --set -p tcp -m tcp -j DNAT --to-destination 172.17.0.2:8080`);
    const dflt = plan([web({ sessionAffinity: 'ClientIP' })], [webSlice(endpoint('172.17.0.2'))]);
    expect(rulesOf(dflt.nat.rules, SVC)[0]).toContain('--seconds 10800 --reap');
  });

  it('refuses the rest of the service range, after every Service', () => {
    const p = plan([web()], []);
    expect(p.filter.rules.slice(-2)).toEqual([
      '-A NODELET-SERVICES -m comment --comment "nodelet service IP without a Service on this port" -d 10.96.0.0/12 -p tcp -j REJECT --reject-with tcp-reset',
      '-A NODELET-SERVICES -m comment --comment "nodelet service IP without a Service on this port" -d 10.96.0.0/12 -j REJECT --reject-with icmp-port-unreachable',
    ]);
  });

  it('internalTrafficPolicy Local uses this node\'s endpoints only; none here: DROP', () => {
    const eps = [endpoint('172.17.0.2', { nodeName: 'node-1' }), endpoint('172.17.0.3', { nodeName: 'node-2' })];
    const p = plan([web({ internalTrafficPolicy: 'Local' })], [webSlice(...eps)]);
    const svl = localServiceChain(WEB, 'tcp');
    expect(rulesOf(p.nat.rules, 'NODELET-SERVICES')[0]).toContain(`-j ${svl}`);
    expect(rulesOf(p.nat.rules, svl)).toEqual([`-m comment --comment "${WEB} -> 172.17.0.2:8080" -j ${endpointChain(WEB, 'tcp', '172.17.0.2:8080')}`]);
    expect(p.nat.chains).not.toContain(SVC);
    const remote = plan([web({ internalTrafficPolicy: 'Local' })], [webSlice(eps[1]!)]);
    expect(rulesOf(remote.filter.rules, 'NODELET-SERVICES')[0]).toContain('has no local endpoints" -d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j DROP');
  });
});

describe('planRules: node ports and external IPs', () => {
  const np = (spec: Partial<NonNullable<Service['spec']>> = {}): Service =>
    web({ type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }], ...spec });
  const EXT = externalChain(WEB, 'tcp');

  it('node port → EXT chain (masquerade, then the cluster chain); node ports are the last rule of SERVICES', () => {
    const p = plan([np()], [webSlice(endpoint('172.17.0.2'))]);
    expect(rulesOf(p.nat.rules, 'NODELET-NODEPORTS')).toEqual([`-m comment --comment "${WEB}" -p tcp -m tcp --dport 30080 -j ${EXT}`]);
    expect(rulesOf(p.nat.rules, EXT)).toEqual([`-m comment --comment "masquerade traffic for ${WEB} external destinations" -j NODELET-MARK-MASQ`, `-j ${SVC}`]);
    expect(rulesOf(p.nat.rules, 'NODELET-SERVICES').at(-1)).toBe('-m comment --comment "nodelet service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j NODELET-NODEPORTS');
  });

  it('without route_localnet, 127.0.0.0/8 skips the node ports and the localnet firewall is not written', () => {
    const p = plan([np()], [webSlice(endpoint('172.17.0.2'))], { localhostNodePorts: false });
    expect(rulesOf(p.nat.rules, 'NODELET-NODEPORTS')[0]).toBe('-m comment --comment "localhost node ports need route_localnet" -d 127.0.0.0/8 -j RETURN');
    expect(p.filter.chains).not.toContain('NODELET-FIREWALL');
    expect(p.jumps.some((j) => j.target === 'NODELET-FIREWALL')).toBe(false);
    const on = plan([np()], [webSlice(endpoint('172.17.0.2'))]);
    expect(rulesOf(on.filter.rules, 'NODELET-FIREWALL')).toEqual(['-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP']);
  });

  it('node port without endpoints: REJECT on local addresses in EXTERNAL-SERVICES', () => {
    const p = plan([np()], []);
    expect(rulesOf(p.filter.rules, 'NODELET-EXTERNAL-SERVICES')).toEqual([`-m comment --comment "${WEB} has no endpoints" -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30080 -j REJECT --reject-with tcp-reset`]);
    expect(p.nat.chains).not.toContain(EXT);
  });

  it('node ports on the Node\'s addresses (and 127.0.0.1) when they are given', () => {
    const p = plan([np()], [webSlice(endpoint('172.17.0.2'))], { nodePortAddresses: ['192.168.1.5'] });
    expect(rulesOf(p.nat.rules, 'NODELET-SERVICES').slice(-2)).toEqual([
      '-m comment --comment "nodelet service nodeports; NOTE: this must be the last rule in this chain" -d 127.0.0.1/32 -j NODELET-NODEPORTS',
      '-m comment --comment "nodelet service nodeports; NOTE: this must be the last rule in this chain" -d 192.168.1.5/32 -j NODELET-NODEPORTS',
    ]);
  });

  it('externalTrafficPolicy Local: outside traffic to local endpoints, node-local sources to the cluster', () => {
    const eps = [endpoint('172.17.0.2', { nodeName: 'node-1' }), endpoint('172.17.0.3', { nodeName: 'node-2' })];
    const p = plan([np({ externalTrafficPolicy: 'Local' })], [webSlice(...eps)]);
    const svl = localServiceChain(WEB, 'tcp');
    expect(rulesOf(p.nat.rules, EXT)).toEqual([
      `-m comment --comment "masquerade LOCAL traffic for ${WEB} external destinations" -m addrtype --src-type LOCAL -j NODELET-MARK-MASQ`,
      `-m comment --comment "route LOCAL traffic for ${WEB} external destinations" -m addrtype --src-type LOCAL -j ${SVC}`,
      `-j ${svl}`,
    ]);
    expect(rulesOf(p.nat.rules, SVC)).toHaveLength(2);
    expect(rulesOf(p.nat.rules, svl)).toHaveLength(1);
    const remote = plan([np({ externalTrafficPolicy: 'Local' })], [webSlice(eps[1]!)]);
    expect(rulesOf(remote.filter.rules, 'NODELET-EXTERNAL-SERVICES')[0]).toContain('has no local endpoints" -m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30080 -j DROP');
    expect(rulesOf(remote.nat.rules, 'NODELET-SERVICES')[0]).toContain(`-j ${SVC}`);
  });

  it('external IPs enter the EXT chain; without endpoints they are refused', () => {
    const p = plan([web({ externalIPs: ['192.0.2.10'] })], [webSlice(endpoint('172.17.0.2'))]);
    expect(rulesOf(p.nat.rules, 'NODELET-SERVICES')[1]).toBe(`-m comment --comment "${WEB} external IP" -d 192.0.2.10/32 -p tcp -m tcp --dport 80 -j ${EXT}`);
    const none = plan([web({ externalIPs: ['192.0.2.10'] })], []);
    expect(rulesOf(none.filter.rules, 'NODELET-EXTERNAL-SERVICES')).toEqual([`-m comment --comment "${WEB} has no endpoints" -d 192.0.2.10/32 -p tcp -m tcp --dport 80 -j REJECT --reject-with tcp-reset`]);
  });
});

describe('renderRestore', () => {
  it('declares our chains, inserts missing jumps in order, and deletes stale chains, per table', () => {
    const p = plan([web()], [webSlice(endpoint('172.17.0.2'))]);
    const text = renderRestore(p, EMPTY_STATE);
    const nat = text.slice(0, text.indexOf('COMMIT'));
    expect(nat.split('\n').slice(0, 7)).toEqual([
      '*nat', ':NODELET-SERVICES - [0:0]', ':NODELET-NODEPORTS - [0:0]', ':NODELET-POSTROUTING - [0:0]', ':NODELET-MARK-MASQ - [0:0]',
      `:${SVC} - [0:0]`, `:${endpointChain(WEB, 'tcp', '172.17.0.2:8080')} - [0:0]`,
    ]);
    expect(nat).toContain('-I POSTROUTING 1 -m comment --comment "nodelet postrouting rules" -j NODELET-POSTROUTING\n-I OUTPUT 1 -m comment --comment "nodelet service portals" -j NODELET-SERVICES\n-I PREROUTING 1');
    expect(text.match(/^COMMIT$/gm)).toHaveLength(2);
    const filterJumps = text.split('\n').filter((l) => l.startsWith('-I FORWARD'));
    expect(filterJumps.map((l) => l.split(' -j ')[1])).toEqual(['NODELET-EXTERNAL-SERVICES', 'NODELET-SERVICES', 'NODELET-FORWARD']);

    const current = { chains: { nat: ['NODELET-SERVICES', 'NODELET-SVC-GONEGONEGONEGONE', 'KUBE-SERVICES'], filter: [] }, jumps: new Set(p.jumps.map(jumpKey)) };
    const again = renderRestore(p, current);
    expect(again).not.toContain('-I ');
    expect(again).toContain(':NODELET-SVC-GONEGONEGONEGONE - [0:0]\n');
    expect(again).toMatch(/-X NODELET-SVC-GONEGONEGONEGONE\nCOMMIT\n\*filter/);
    expect(again).not.toContain('KUBE-SERVICES');
  });

  it('parseSave finds our chains and jumps; cleanupBatch removes exactly those', () => {
    const saved = [
      '*nat', ':PREROUTING ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':KUBE-SERVICES - [0:0]', ':NODELET-SERVICES - [0:0]', ':NODELET-SVC-AAAAAAAAAAAAAAAA - [0:0]',
      '-A PREROUTING -m comment --comment "nodelet service portals" -j NODELET-SERVICES', '-A OUTPUT -j KUBE-SERVICES',
      '-A NODELET-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j NODELET-SVC-AAAAAAAAAAAAAAAA', 'COMMIT',
      '*filter', ':INPUT ACCEPT [0:0]', ':DOCKER - [0:0]', '-A INPUT -j DOCKER', 'COMMIT', '',
    ].join('\n');
    const state = parseSave(saved);
    expect(state.chains).toEqual({ nat: ['NODELET-SERVICES', 'NODELET-SVC-AAAAAAAAAAAAAAAA'], filter: [] });
    expect([...state.jumps]).toEqual(['nat PREROUTING NODELET-SERVICES']);
    const batch = cleanupBatch(saved);
    expect(batch.text).toBe([
      '*nat', ':NODELET-SERVICES - [0:0]', ':NODELET-SVC-AAAAAAAAAAAAAAAA - [0:0]',
      '-D PREROUTING -m comment --comment "nodelet service portals" -j NODELET-SERVICES',
      '-X NODELET-SERVICES', '-X NODELET-SVC-AAAAAAAAAAAAAAAA', 'COMMIT', '',
    ].join('\n'));
    expect(cleanupBatch('*nat\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n').text).toBe('');
  });

  it('another service range gets its own chain prefix: two nodelets on one host never share or clean up each other\'s chains', () => {
    const other = '10.113.0.0/16';
    const prefix = chainPrefixFor(other);
    expect(prefix).toMatch(/^NL[A-Z2-7]{5}-$/);
    expect(chainPrefixFor('10.96.0.0/12')).toBe('NODELET-');
    const mine = plan([web({ clusterIP: '10.113.0.20' })], [webSlice(endpoint('172.17.0.2'))], { serviceCidr: other });
    for (const c of [...mine.nat.chains, ...mine.filter.chains, ...mine.jumps.map((j) => j.target)]) expect(c.startsWith(prefix)).toBe(true);
    for (const c of [...mine.nat.chains, ...mine.filter.chains]) expect(c.length).toBeLessThanOrEqual(28);
    const theirs = plan([web()], [webSlice(endpoint('172.17.0.3'))]);
    // both proxies' rules in one table dump: each sees only its own chains as stale candidates and cleans only those
    const dump = ['*nat', ...[...mine.nat.chains, ...theirs.nat.chains].map((c) => `:${c} - [0:0]`), ...mine.jumps.concat(theirs.jumps).filter((j) => j.table === 'nat').map((j) => `-A ${j.chain} ${j.args}`), 'COMMIT'].join('\n');
    expect(parseSave(dump, prefix).chains.nat.sort()).toEqual([...mine.nat.chains].sort());
    const batch = cleanupBatch(dump, prefix).text;
    expect(batch).not.toContain('NODELET-');
    expect(renderRestore(theirs, parseSave(dump)).includes(prefix)).toBe(false);
  });

  it('a partial sync rewrites only the chains that changed and deletes the ones gone', () => {
    const before = plan([web()], [webSlice(endpoint('172.17.0.2'), endpoint('172.17.0.3'))]);
    expect(renderPartial(before, writtenOf(before))).toBe('');
    const after = plan([web()], [webSlice(endpoint('172.17.0.2'), endpoint('172.17.0.4'))]);
    const text = renderPartial(after, writtenOf(before));
    const gone = endpointChain(WEB, 'tcp', '172.17.0.3:8080');
    const added = endpointChain(WEB, 'tcp', '172.17.0.4:8080');
    const kept = endpointChain(WEB, 'tcp', '172.17.0.2:8080');
    expect(text.split('\n').filter((l) => l.startsWith(':')).sort()).toEqual([`:${SVC} - [0:0]`, `:${added} - [0:0]`, `:${gone} - [0:0]`].sort());
    expect(text).toContain(`-X ${gone}`);
    expect(text).not.toContain(`-A ${kept} `);
    expect(text).not.toContain('*filter');
    expect(text).not.toContain('NODELET-SERVICES');
  });

  it('drops the per-endpoint comments above 1,000 endpoints, as kube-proxy\'s large-cluster mode', () => {
    const many = Array.from({ length: 1001 }, (_, i) => endpoint(`172.18.${String(Math.floor(i / 250))}.${String((i % 250) + 2)}`));
    const p = plan([web()], [webSlice(...many)]);
    const sep = endpointChain(WEB, 'tcp', '172.18.0.2:8080');
    expect(rulesOf(p.nat.rules, sep)).toEqual(['-s 172.18.0.2/32 -j NODELET-MARK-MASQ', '-p tcp -m tcp -j DNAT --to-destination 172.18.0.2:8080']);
    expect(rulesOf(p.nat.rules, SVC)[0]).toMatch(/^-m statistic --mode random --probability 0\.000999\d* -j NODELET-SEP-/);
    expect(rulesOf(p.nat.rules, 'NODELET-SERVICES')[0]).toContain('--comment "default/web:http cluster IP"');
  });

  it('chain names stay within iptables\' 28 characters', () => {
    for (const c of [serviceChain(WEB, 'tcp'), endpointChain(WEB, 'udp', '1.2.3.4:5'), externalChain('a/b:c', 'sctp'), localServiceChain('x/y:', 'tcp'), ...builtinJumps({ firewall: true }).map((j) => j.target)]) {
      expect(c.length).toBeLessThanOrEqual(28);
    }
    expect(serviceChain(WEB, 'tcp')).toMatch(/^NODELET-SVC-[A-Z2-7]{16}$/);
  });

  it('probability is 1/n with ten decimals', () => {
    expect([probability(4), probability(3), probability(2)]).toEqual(['0.2500000000', '0.3333333333', '0.5000000000']);
  });
});
