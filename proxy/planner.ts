// The service proxy's pure planning function, kube-proxy's syncProxyRules without the I/O:
// (service ports with their endpoints, node addresses, options) in, the complete ruleset of
// nodelet's chains in the nat and filter tables out; `renderRestore` turns it, with what the
// tables hold now, into one iptables-restore --noflush batch (create/flush our chains, write
// every rule, insert missing jumps, delete chains nothing uses any more).
import {
  CHAIN_PREFIX, builtinJumps, chainNames, chainPrefixFor, endpointChain, externalChain, localServiceChain, serviceChain,
  type ChainNames, type Jump, type Table,
} from './chains.ts';
import { usableEndpoints, type ProxyEndpoint, type ServicePort } from './service-ports.ts';

export interface PlanOptions {
  serviceCidr: string;
  /** Masquerade every packet to a Service (kube-proxy --masquerade-all). */
  masqueradeAll: boolean;
  /** route_localnet is on: node ports answer on 127.0.0.1 too, guarded by the localnet firewall. */
  localhostNodePorts: boolean;
  masqueradeMark: string;
  /** Addresses node ports answer on; undefined: every local address (-m addrtype --dst-type LOCAL). */
  nodePortAddresses?: string[];
}

export interface PlanInput {
  servicePorts: ServicePort[];
  options: PlanOptions;
}

export interface TablePlan {
  /** Our chains, in the order they are declared. */
  chains: string[];
  /** Rules as iptables-restore lines ("-A CHAIN ..."). */
  rules: string[];
}

export interface RulePlan {
  nat: TablePlan;
  filter: TablePlan;
  jumps: Jump[];
  /** The prefix of every chain in the plan: chains with it that the plan lacks are stale. */
  prefix: string;
  /** For the log and the tests: service ports with and without usable endpoints. */
  served: number;
  unserved: number;
}

/** What the tables hold now (from iptables-save), for stale chains and missing jumps. */
export interface TableState {
  chains: Record<Table, string[]>;
  /** "table chain target" of the jumps into our chains found in built-in chains. */
  jumps: Set<string>;
}

export const EMPTY_STATE: TableState = { chains: { nat: [], filter: [] }, jumps: new Set() };

/** kube-proxy's largeClusterEndpointsThreshold. */
export const LARGE_CLUSTER_ENDPOINTS = 1000;

/** kube-proxy's probability for the i-th of n endpoints: 1/(n-i), ten decimals. */
export function probability(remaining: number): string {
  return (1 / remaining).toFixed(10);
}

/**
 * Refusal as the client sees it: ECONNREFUSED at once. TCP gets a reset rather than kube-proxy's
 * ICMP port-unreachable, which the kernel does not send for the node's own connections here:
 * their route is the loopback one (route.ts), so the ICMP error would have to come from the
 * non-local Service IP and its route lookup fails. UDP and SCTP keep the ICMP error (it reaches
 * pods, whose packets are forwarded).
 */
export function reject(protocol: string): string {
  return protocol === 'tcp' ? 'REJECT --reject-with tcp-reset' : 'REJECT --reject-with icmp-port-unreachable';
}

function comment(text: string): string {
  return `-m comment --comment "${text}"`;
}

function dport(sp: ServicePort, port: number): string {
  return `-p ${sp.protocol} -m ${sp.protocol} --dport ${port}`;
}

interface Writer {
  c: ChainNames;
  /**
   * kube-proxy's large-cluster mode (more than 1,000 endpoints): the per-endpoint rules carry no
   * comment, which makes the ruleset a third smaller and its restore faster.
   */
  large: boolean;
  nat: TablePlan;
  filter: TablePlan;
}

// a Set beside each table's chain list: thousands of chains, looked up once per rule
const declared = new WeakMap<TablePlan, Set<string>>();

function hasChain(t: TablePlan, chain: string): boolean {
  return declared.get(t)?.has(chain) ?? false;
}

function addChain(t: TablePlan, chain: string): void {
  let set = declared.get(t);
  if (set === undefined) declared.set(t, (set = new Set()));
  if (set.has(chain)) return;
  set.add(chain);
  t.chains.push(chain);
}

function rule(t: TablePlan, chain: string, args: string): void {
  t.rules.push(`-A ${chain} ${args}`);
}

/** The chain balancing over these endpoints (SVC or SVL), and each endpoint's DNAT chain. */
function writeBalancer(w: Writer, sp: ServicePort, chain: string, endpoints: ProxyEndpoint[], masqRule: string | undefined): void {
  addChain(w.nat, chain);
  if (masqRule !== undefined) rule(w.nat, chain, masqRule);
  const seps = endpoints.map((e) => ({ e, chain: endpointChain(sp.name, sp.protocol, `${e.ip}:${e.port}`, w.c.prefix) }));
  // "<comment> " or nothing in large-cluster mode
  const note = (text: string): string => (w.large ? '' : `${comment(text)} `);
  if (sp.affinitySeconds > 0) {
    for (const s of seps) {
      rule(w.nat, chain, `${note(`${sp.name} -> ${s.e.ip}:${s.e.port}`)}-m recent --name ${s.chain} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${s.chain}`);
    }
  }
  seps.forEach((s, i) => {
    const stat = i < seps.length - 1 ? `-m statistic --mode random --probability ${probability(seps.length - i)} ` : '';
    rule(w.nat, chain, `${note(`${sp.name} -> ${s.e.ip}:${s.e.port}`)}${stat}-j ${s.chain}`);
  });
  for (const s of seps) {
    if (hasChain(w.nat, s.chain)) continue; // shared by SVC and SVL
    addChain(w.nat, s.chain);
    // hairpin: a pod reaching itself through its Service must see the reply come from the VIP
    rule(w.nat, s.chain, `${note(sp.name)}-s ${s.e.ip}/32 -j ${w.c.markMasq}`);
    const recent = sp.affinitySeconds > 0 ? `-m recent --name ${s.chain} --set ` : '';
    rule(w.nat, s.chain, `${note(sp.name)}${recent}-p ${sp.protocol} -m ${sp.protocol} -j DNAT --to-destination ${s.e.ip}:${s.e.port}`);
  }
}

/** Where node-port traffic is recognised: every local address, or the listed ones. */
function nodePortDestinations(o: PlanOptions): string[] {
  if (o.nodePortAddresses === undefined) return ['-m addrtype --dst-type LOCAL'];
  const addrs = [...new Set(o.nodePortAddresses)];
  if (o.localhostNodePorts && !addrs.includes('127.0.0.1')) addrs.push('127.0.0.1');
  return addrs.sort().map((a) => `-d ${a}/32`);
}

function writeServicePort(w: Writer, sp: ServicePort, o: PlanOptions): 'served' | 'unserved' {
  const all = usableEndpoints(sp.endpoints, false);
  const local = usableEndpoints(sp.endpoints, true);
  // usable somewhere (kube-proxy's allLocallyReachableEndpoints): unready ones do not count
  const hasAny = all.length > 0 || local.length > 0;
  const svc = serviceChain(sp.name, sp.protocol, w.c.prefix);
  const svl = localServiceChain(sp.name, sp.protocol, w.c.prefix);
  const ext = externalChain(sp.name, sp.protocol, w.c.prefix);
  const internal = sp.internalLocal ? local : all;
  const internalChain = sp.internalLocal ? svl : svc;
  const external = sp.externalLocal ? local : all;
  const externallyReachable = sp.nodePort > 0 || sp.externalIPs.length > 0;
  const clusterDst = `-d ${sp.clusterIP}/32 ${dport(sp, sp.port)}`;
  const masqAll = o.masqueradeAll ? `${comment(`${sp.name} cluster IP`)} ${clusterDst} -j ${w.c.markMasq}` : undefined;

  // the balancing chains, only where something jumps to them
  const needSvc = all.length > 0 && (!sp.internalLocal || (externallyReachable && (!sp.externalLocal || local.length > 0)));
  if (needSvc) writeBalancer(w, sp, svc, all, sp.internalLocal ? undefined : masqAll);
  const needSvl = (sp.internalLocal || (externallyReachable && sp.externalLocal)) && local.length > 0;
  if (needSvl) writeBalancer(w, sp, svl, local, sp.internalLocal ? masqAll : undefined);

  // the cluster IP
  if (internal.length > 0) {
    rule(w.nat, w.c.services, `${comment(`${sp.name} cluster IP`)} ${clusterDst} -j ${internalChain}`);
  } else {
    const why = hasAny ? 'has no local endpoints' : 'has no endpoints';
    const verdict = hasAny && sp.internalLocal ? 'DROP' : reject(sp.protocol);
    rule(w.filter, w.c.services, `${comment(`${sp.name} ${why}`)} ${clusterDst} -j ${verdict}`);
  }

  // node ports and external IPs
  if (externallyReachable) {
    if (external.length > 0) {
      addChain(w.nat, ext);
      if (sp.externalLocal) {
        // this node's own processes may use the whole cluster; the outside gets local endpoints
        // only, with its source address kept
        if (all.length > 0) {
          rule(w.nat, ext, `${comment(`masquerade LOCAL traffic for ${sp.name} external destinations`)} -m addrtype --src-type LOCAL -j ${w.c.markMasq}`);
          rule(w.nat, ext, `${comment(`route LOCAL traffic for ${sp.name} external destinations`)} -m addrtype --src-type LOCAL -j ${svc}`);
        }
        rule(w.nat, ext, `-j ${svl}`);
      } else {
        rule(w.nat, ext, `${comment(`masquerade traffic for ${sp.name} external destinations`)} -j ${w.c.markMasq}`);
        rule(w.nat, ext, `-j ${svc}`);
      }
      for (const ip of sp.externalIPs) {
        rule(w.nat, w.c.services, `${comment(`${sp.name} external IP`)} -d ${ip}/32 ${dport(sp, sp.port)} -j ${ext}`);
      }
      if (sp.nodePort > 0) rule(w.nat, w.c.nodeports, `${comment(sp.name)} ${dport(sp, sp.nodePort)} -j ${ext}`);
    } else {
      const why = hasAny ? 'has no local endpoints' : 'has no endpoints';
      const verdict = hasAny ? 'DROP' : reject(sp.protocol);
      for (const ip of sp.externalIPs) {
        rule(w.filter, w.c.externalServices, `${comment(`${sp.name} ${why}`)} -d ${ip}/32 ${dport(sp, sp.port)} -j ${verdict}`);
      }
      if (sp.nodePort > 0) {
        for (const d of nodePortDestinations(o)) {
          rule(w.filter, w.c.externalServices, `${comment(`${sp.name} ${why}`)} ${d} ${dport(sp, sp.nodePort)} -j ${verdict}`);
        }
      }
    }
  }
  return internal.length > 0 ? 'served' : 'unserved';
}

/** The complete ruleset for these service ports. */
export function planRules(input: PlanInput): RulePlan {
  const o = input.options;
  const mark = `${o.masqueradeMark}/${o.masqueradeMark}`;
  const c = chainNames(chainPrefixFor(o.serviceCidr));
  const endpoints = input.servicePorts.reduce((n, sp) => n + sp.endpoints.length, 0);
  const w: Writer = { c, large: endpoints > LARGE_CLUSTER_ENDPOINTS, nat: { chains: [], rules: [] }, filter: { chains: [], rules: [] } };
  for (const name of [c.services, c.nodeports, c.postrouting, c.markMasq]) addChain(w.nat, name);
  for (const name of [c.services, c.externalServices, c.forward]) addChain(w.filter, name);
  if (o.localhostNodePorts) addChain(w.filter, c.firewall);

  // the fixed chains
  rule(w.nat, c.postrouting, `-m mark ! --mark ${mark} -j RETURN`);
  // clear the mark: a packet re-entering the stack (e.g. through a tunnel) must not be masqueraded twice
  rule(w.nat, c.postrouting, `-j MARK --xor-mark ${o.masqueradeMark}`);
  rule(w.nat, c.postrouting, `${comment('nodelet service traffic requiring SNAT')} -j MASQUERADE --random-fully`);
  rule(w.nat, c.markMasq, `-j MARK --or-mark ${o.masqueradeMark}`);
  if (!o.localhostNodePorts && o.nodePortAddresses === undefined) {
    rule(w.nat, c.nodeports, `${comment('localhost node ports need route_localnet')} -d 127.0.0.0/8 -j RETURN`);
  }
  rule(w.filter, c.forward, `-m conntrack --ctstate INVALID -j DROP`);
  rule(w.filter, c.forward, `${comment('nodelet forwarding rules')} -m mark --mark ${mark} -j ACCEPT`);
  rule(w.filter, c.forward, `${comment('nodelet forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  if (o.localhostNodePorts) {
    // route_localnet lets 127.0.0.1 be routed off the host: refuse what arrives for it from outside
    rule(w.filter, c.firewall, `${comment('block incoming localnet connections')} -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
  }

  let served = 0;
  let unserved = 0;
  for (const sp of input.servicePorts) {
    if (writeServicePort(w, sp, o) === 'served') served++;
    else unserved++;
  }

  // last in NODELET-SERVICES: node ports
  for (const d of nodePortDestinations(o)) {
    rule(w.nat, c.services, `${comment('nodelet service nodeports; NOTE: this must be the last rule in this chain')} ${d} -j ${c.nodeports}`);
  }
  // anything still addressed to the service range was not DNAT'd: no such Service or port
  rule(w.filter, c.services, `${comment('nodelet service IP without a Service on this port')} -d ${o.serviceCidr} -p tcp -j ${reject('tcp')}`);
  rule(w.filter, c.services, `${comment('nodelet service IP without a Service on this port')} -d ${o.serviceCidr} -j ${reject('udp')}`);

  return { nat: w.nat, filter: w.filter, jumps: builtinJumps({ firewall: o.localhostNodePorts, chains: c }), prefix: c.prefix, served, unserved };
}

export function jumpKey(j: { table: Table; chain: string; target: string }): string {
  return `${j.table} ${j.chain} ${j.target}`;
}

/**
 * One iptables-restore --noflush input: both tables, our chains declared (created or flushed)
 * and refilled, missing jumps inserted at the top of the built-in chains, and our chains that
 * are no longer planned flushed and deleted.
 */
export function renderRestore(plan: RulePlan, current: TableState): string {
  const lines: string[] = [];
  for (const table of ['nat', 'filter'] as const) {
    const t = plan[table];
    const planned = new Set(t.chains);
    const stale = current.chains[table].filter((c) => c.startsWith(plan.prefix) && !planned.has(c)).sort();
    lines.push(`*${table}`);
    for (const c of [...t.chains, ...stale]) lines.push(`:${c} - [0:0]`);
    // inserted bottom-up, so the jumps read top-down in the planned order
    const missing = plan.jumps.filter((j) => j.table === table && !current.jumps.has(jumpKey(j)));
    for (const j of [...missing].reverse()) lines.push(`-I ${j.chain} 1 ${j.args}`);
    lines.push(...t.rules);
    for (const c of stale) lines.push(`-X ${c}`);
    lines.push('COMMIT');
  }
  return `${lines.join('\n')}\n`;
}

/** What a proxy wrote last: each of its chains' rules, per table. */
export type Written = Record<Table, Map<string, string>>;

function rulesByChain(t: TablePlan): Map<string, string[]> {
  const by = new Map<string, string[]>(t.chains.map((c) => [c, []]));
  for (const r of t.rules) {
    const chain = r.slice(3, r.indexOf(' ', 3));
    by.get(chain)?.push(r);
  }
  return by;
}

export function writtenOf(plan: RulePlan): Written {
  const of = (t: TablePlan): Map<string, string> => new Map([...rulesByChain(t)].map(([c, rules]) => [c, rules.join('\n')]));
  return { nat: of(plan.nat), filter: of(plan.filter) };
}

/**
 * kube-proxy's partial sync: after a full sync, only the chains whose rules changed (or are new)
 * are declared and refilled, and the chains no longer planned are flushed and deleted; the
 * thousands of unchanged per-service chains stay as written. '' when nothing changed.
 */
export function renderPartial(plan: RulePlan, previous: Written, next: Written = writtenOf(plan)): string {
  const lines: string[] = [];
  for (const table of ['nat', 'filter'] as const) {
    const now = next[table];
    const before = previous[table];
    const changed = plan[table].chains.filter((c) => before.get(c) !== now.get(c));
    const gone = [...before.keys()].filter((c) => !now.has(c)).sort();
    if (changed.length === 0 && gone.length === 0) continue;
    lines.push(`*${table}`);
    for (const c of [...changed, ...gone]) lines.push(`:${c} - [0:0]`);
    for (const c of changed) {
      const rules = now.get(c) ?? '';
      if (rules !== '') lines.push(rules);
    }
    for (const c of gone) lines.push(`-X ${c}`);
    lines.push('COMMIT');
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Our chains and jumps in iptables-save output of both tables. */
export function parseSave(text: string, prefix = CHAIN_PREFIX): TableState {
  const state: TableState = { chains: { nat: [], filter: [] }, jumps: new Set() };
  let table: Table | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      table = name === 'nat' || name === 'filter' ? name : undefined;
      continue;
    }
    if (table === undefined) continue;
    if (line.startsWith(':')) {
      const chain = line.slice(1).split(' ')[0] ?? '';
      if (chain.startsWith(prefix)) state.chains[table].push(chain);
      continue;
    }
    const m = /^-A (\S+) .*-j (\S+)/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined && !m[1].startsWith(prefix) && m[2].startsWith(prefix)) {
      state.jumps.add(jumpKey({ table, chain: m[1], target: m[2] }));
    }
  }
  return state;
}

/** The built-in chains' rules that jump into ours, as "-D" lines to remove them. */
export function jumpDeletions(text: string, prefix = CHAIN_PREFIX): Record<Table, string[]> {
  const out: Record<Table, string[]> = { nat: [], filter: [] };
  let table: Table | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      table = name === 'nat' || name === 'filter' ? name : undefined;
      continue;
    }
    if (table === undefined) continue;
    const m = /^-A (\S+) (.*-j (\S+).*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined && !m[1].startsWith(prefix) && m[3].startsWith(prefix)) {
      out[table].push(`-D ${m[1]} ${m[2]}`);
    }
  }
  return out;
}
