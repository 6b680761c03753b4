// core/v1 Service as kube-apiserver 1.32 serves it: scheme defaults (SetDefaults_Service), what
// the REST storage does before validation (normalizing clusterIP/clusterIPs, keeping values it
// allocated, inferring ipFamilyPolicy and ipFamilies on a single-stack IPv4 cluster), the
// strategy's PrepareForCreate/Update (status reset, fields that stop applying when the type
// changes), ValidateService/ValidateServiceUpdate and the `kubectl get services` table.
// ClusterIP and NodePort *allocation* is the registry's (apiserver/registry/service-allocation.ts),
// after validation.
import { fieldErrors as fe } from '../../api/errors.ts';
import type { FieldError } from '../../api/errors.ts';
import { isValidPortNum } from '../../../kube/names.ts';
import { AGE, col, NAME, translateTimestampSince, type TableSpec } from '../../api/tables.ts';
import {
  jsonEqual as semanticEqual, validateLabels, validateObjectMeta, validateObjectMetaUpdate, validatePortNumOrName,
} from '../../api/validation.ts';
import { defineKind, statusSubresource, type KindDefinition } from '../kind.ts';
import {
  arr, child, dns1123Label, dns1123Subdomain, goStringSlice, isIPv6String, isObj, nameIsDNS1035Label, num, o, objs, present,
  qualifiedName, rawValueError, s, setIfEmpty, strEntries, strs, validateCIDR, validateIP, validateNonSpecialIP, type Obj,
} from './common.ts';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const LOAD_BALANCER_IP_MODES = ['Proxy', 'VIP'];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;
const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;
/** The family of --service-cluster-ip-range: nodelet's cluster is single-stack IPv4. */
const CLUSTER_IP_FAMILY = 'IPv4';

const TOPOLOGY_AWARE_HINTS = 'service.kubernetes.io/topology-aware-hints';
const TOPOLOGY_MODE = 'service.kubernetes.io/topology-mode';
const LB_SOURCE_RANGES = 'service.beta.kubernetes.io/load-balancer-source-ranges';

type Spec = Obj;

const typeOf = (spec: Spec): string => s(spec['type']);
const clusterIPsOf = (spec: Spec): string[] => strs(spec['clusterIPs']);
const familiesOf = (spec: Spec): string[] => strs(spec['ipFamilies']);

function isHeadless(spec: Spec): boolean {
  const ips = clusterIPsOf(spec);
  return ips.length === 1 && ips[0] === 'None';
}

/** apiservice.ExternallyAccessible. */
function externallyAccessible(spec: Spec): boolean {
  const t = typeOf(spec);
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && arr(spec['externalIPs']).length > 0);
}

/** apiservice.NeedsHealthCheck: a LoadBalancer with externalTrafficPolicy Local. */
function needsHealthCheck(spec: Spec): boolean {
  return typeOf(spec) === 'LoadBalancer' && spec['externalTrafficPolicy'] === 'Local';
}

const needsClusterIP = (spec: Spec): boolean => typeOf(spec) !== 'ExternalName';
const needsNodePort = (spec: Spec): boolean => typeOf(spec) === 'NodePort' || typeOf(spec) === 'LoadBalancer';

// ---------------------------------------------------------------------------------------------
// Defaults (SetDefaults_Service)

export function defaultService(svc: Obj): void {
  const spec = child(svc, 'spec');
  if (spec === undefined) return;
  setIfEmpty(spec, 'sessionAffinity', 'None');
  if (spec['sessionAffinity'] === 'None') delete spec['sessionAffinityConfig'];
  if (spec['sessionAffinity'] === 'ClientIP') {
    const cfg = spec['sessionAffinityConfig'];
    const clientIP = isObj(cfg) ? cfg['clientIP'] : undefined;
    if (!isObj(clientIP) || !present(clientIP['timeoutSeconds'])) {
      spec['sessionAffinityConfig'] = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
    }
  }
  setIfEmpty(spec, 'type', 'ClusterIP');
  for (const p of arr(spec['ports'])) {
    if (!isObj(p)) continue;
    setIfEmpty(p, 'protocol', 'TCP');
    const tp = p['targetPort'];
    if (tp === undefined || tp === null || tp === 0 || tp === '') p['targetPort'] = num(p['port']) ?? 0;
  }
  if (externallyAccessible(spec)) setIfEmpty(spec, 'externalTrafficPolicy', 'Cluster');
  const t = typeOf(spec);
  if (!present(spec['internalTrafficPolicy']) && (t === 'NodePort' || t === 'LoadBalancer' || t === 'ClusterIP')) {
    spec['internalTrafficPolicy'] = 'Cluster';
  }
  if (t === 'LoadBalancer') {
    if (!present(spec['allocateLoadBalancerNodePorts'])) spec['allocateLoadBalancerNodePorts'] = true;
    for (const ing of arr(o(o(svc['status'])['loadBalancer'])['ingress'])) {
      if (isObj(ing) && s(ing['ip']) !== '' && !present(ing['ipMode'])) ing['ipMode'] = 'VIP';
    }
  }
}

// ---------------------------------------------------------------------------------------------
// What the REST storage and the strategy do before validation

/** normalizeClusterIPs: keeps clusterIP and clusterIPs in step for clients that set only one. */
function normalizeClusterIPs(spec: Spec, old: Spec | undefined): void {
  const ip = s(spec['clusterIP']);
  if (old === undefined) {
    if (ip !== '' && clusterIPsOf(spec).length === 0 && !isBadType(spec['clusterIPs'])) spec['clusterIPs'] = [ip];
    return;
  }
  const oldIP = s(old['clusterIP']);
  // an old client that patched something else and never sent clusterIPs
  if (clusterIPsOf(old).length > 0 && clusterIPsOf(spec).length === 0 && oldIP === ip && !isBadType(spec['clusterIPs'])) {
    spec['clusterIPs'] = structuredClone(old['clusterIPs']);
  }
  if (oldIP !== ip) {
    const sameIPs = semanticEqual(clusterIPsOf(old), clusterIPsOf(spec));
    if (oldIP !== '' && ip === '' && sameIPs) delete spec['clusterIPs'];
    if (ip !== '' && sameIPs) spec['clusterIPs'] = [ip];
  }
}

/** A field holding a JSON type its Go type cannot take (left for validation to refuse). */
function isBadType(v: unknown): boolean {
  return v !== undefined && v !== null && !Array.isArray(v);
}

/** patchAllocatedValues: a resubmitted manifest keeps what the server filled in. */
function patchAllocatedValues(spec: Spec, old: Spec): void {
  if (needsClusterIP(old) && needsClusterIP(spec)) {
    if (s(spec['clusterIP']) === '' && s(old['clusterIP']) !== '') spec['clusterIP'] = old['clusterIP'];
    if (clusterIPsOf(spec).length === 0 && clusterIPsOf(old).length > 0 && !isBadType(spec['clusterIPs'])) {
      spec['clusterIPs'] = structuredClone(old['clusterIPs']);
    }
  }
  if (needsNodePort(old) && needsNodePort(spec)) {
    const used = (ports: unknown): Set<number> => new Set(objs(ports).map((p) => num(p['nodePort']) ?? 0).filter((n) => n !== 0));
    const oldUsed = used(old['ports']);
    const newUsed = used(spec['ports']);
    const taken = new Set([...oldUsed].filter((n) => newUsed.has(n)));
    const byName = new Map<string, number>();
    for (const p of objs(old['ports'])) byName.set(s(p['name']), num(p['nodePort']) ?? 0);
    for (const p of arr(spec['ports'])) {
      if (!isObj(p) || (num(p['nodePort']) ?? 0) !== 0) continue;
      const oldVal = byName.get(s(p['name'])) ?? 0;
      if (oldVal !== 0 && !taken.has(oldVal)) p['nodePort'] = oldVal;
    }
  }
  if (needsHealthCheck(old) && needsHealthCheck(spec) && (num(spec['healthCheckNodePort']) ?? 0) === 0 && present(old['healthCheckNodePort'])) {
    spec['healthCheckNodePort'] = old['healthCheckNodePort'];
  }
}

/**
 * initIPFamilyFields on a single-stack IPv4 cluster: ipFamilyPolicy inferred (RequireDualStack
 * for two IPs or families, else SingleStack), ipFamilies from the cluster IPs or the cluster's
 * family. The allocator's own refusals (families or dual-stack the cluster is not configured
 * for) come with allocation (apiserver/registry/service-allocation.ts).
 */
function initIPFamilyFields(spec: Spec, old: Spec | undefined): void {
  if (typeOf(spec) === 'ExternalName') return;
  if (old !== undefined && spec['ipFamilyPolicy'] === 'PreferDualStack' && old['ipFamilyPolicy'] === 'PreferDualStack'
    && semanticEqual(clusterIPsOf(spec), clusterIPsOf(old)) && semanticEqual(familiesOf(spec), familiesOf(old))) return;
  if (!present(spec['ipFamilyPolicy'])) {
    spec['ipFamilyPolicy'] = clusterIPsOf(spec).length === 2 || familiesOf(spec).length === 2 ? 'RequireDualStack' : 'SingleStack';
  }
  if (validateClusterIPsRelatedFields(spec).length > 0 || isBadType(spec['ipFamilies'])) return;
  const families = familiesOf(spec);
  const ips = clusterIPsOf(spec);
  for (let i = 0; i < ips.length; i++) {
    const ip = ips[i] ?? '';
    if (ip === 'None') break;
    if (i >= families.length) families.push(isIPv6String(ip) ? 'IPv6' : 'IPv4');
  }
  if (s(spec['clusterIP']) === 'None' && Object.keys(o(spec['selector'])).length === 0) {
    if (families.length === 0) families.push(CLUSTER_IP_FAMILY);
    if (families.length < 2 && spec['ipFamilyPolicy'] !== 'SingleStack') families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
    spec['ipFamilies'] = families;
    return;
  }
  if (families.length === 0) families.push(CLUSTER_IP_FAMILY);
  spec['ipFamilies'] = families;
}

/** dropTypeDependentFields: what an update's type change leaves behind, unless the user also changed it. */
function dropTypeDependentFields(svc: Obj, oldSvc: Obj): void {
  const spec = o(svc['spec']);
  const old = o(oldSvc['spec']);
  if (!isObj(svc['spec'])) return;
  if (needsClusterIP(old) && !needsClusterIP(spec)) {
    if (s(spec['clusterIP']) === s(old['clusterIP']) && semanticEqual(clusterIPsOf(spec), clusterIPsOf(old))) {
      delete spec['clusterIP'];
      delete spec['clusterIPs'];
    }
    if (semanticEqual(familiesOf(spec), familiesOf(old))) delete spec['ipFamilies'];
    if (semanticEqual(spec['ipFamilyPolicy'] ?? null, old['ipFamilyPolicy'] ?? null)) delete spec['ipFamilyPolicy'];
  }
  if (needsNodePort(old) && !needsNodePort(spec)) {
    const nodePorts = (ports: unknown): number[] => objs(ports).map((p) => num(p['nodePort']) ?? 0);
    const newPorts = nodePorts(spec['ports']);
    const oldPorts = nodePorts(old['ports']);
    if (newPorts.length === oldPorts.length && newPorts.every((p, i) => p === oldPorts[i])) {
      for (const p of arr(spec['ports'])) if (isObj(p)) delete p['nodePort'];
    }
  }
  // a type or traffic policy that needs no health check node port drops the one it had
  if (needsHealthCheck(old) && !needsHealthCheck(spec) && (num(spec['healthCheckNodePort']) ?? 0) === (num(old['healthCheckNodePort']) ?? 0)) {
    delete spec['healthCheckNodePort'];
  }
  if (typeOf(old) === 'LoadBalancer' && typeOf(spec) !== 'LoadBalancer') {
    if (typeof spec['allocateLoadBalancerNodePorts'] === 'boolean' && spec['allocateLoadBalancerNodePorts'] === old['allocateLoadBalancerNodePorts']) {
      delete spec['allocateLoadBalancerNodePorts'];
    }
    if (semanticEqual(spec['loadBalancerClass'] ?? null, old['loadBalancerClass'] ?? null)) delete spec['loadBalancerClass'];
  }
  if (externallyAccessible(old) && !externallyAccessible(spec) && spec['externalTrafficPolicy'] === old['externalTrafficPolicy']) {
    delete spec['externalTrafficPolicy'];
  }
  if (typeOf(spec) !== 'LoadBalancer' && isObj(svc['status'])) svc['status']['loadBalancer'] = {};
}

function prepareServiceForCreate(svc: Obj): void {
  svc['status'] = { loadBalancer: {} };
  const spec = svc['spec'];
  if (!isObj(spec)) return;
  normalizeClusterIPs(spec, undefined);
  initIPFamilyFields(spec, undefined);
}

function prepareServiceForUpdate(svc: Obj, old: Obj, subresource: '' | 'status'): void {
  if (subresource !== '') return;
  const spec = svc['spec'];
  if (!isObj(spec)) return;
  const oldSpec = o(old['spec']);
  patchAllocatedValues(spec, oldSpec);
  normalizeClusterIPs(spec, oldSpec);
  initIPFamilyFields(spec, oldSpec);
  dropTypeDependentFields(svc, old);
}

// ---------------------------------------------------------------------------------------------
// Validation (ValidateService, ValidateServiceUpdate, ValidateServiceStatusUpdate)

/** core.ServicePort{Protocol, Port} as Go's %#v prints the duplicate-port key. */
function servicePortKey(protocol: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${port}, ` +
    'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}';
}

function validateServicePort(sp: Obj, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = s(sp['name']);
  if (requireName && name === '') errs.push(fe.required(`${path}.name`));
  else if (name !== '') {
    errs.push(...dns1123Label(name, `${path}.name`));
    if (names.has(name)) errs.push(fe.duplicate(`${path}.name`, name));
    else names.add(name);
  }
  const port = num(sp['port']) ?? 0;
  for (const m of isValidPortNum(port)) errs.push(fe.invalid(`${path}.port`, port, m));
  const protocol = s(sp['protocol']);
  if (protocol === '') errs.push(fe.required(`${path}.protocol`));
  else if (!PROTOCOLS.includes(protocol)) errs.push(fe.notSupported(`${path}.protocol`, protocol, PROTOCOLS));
  errs.push(...validatePortNumOrName(sp['targetPort'], `${path}.targetPort`));
  if (present(sp['appProtocol'])) errs.push(...qualifiedName(s(sp['appProtocol']), `${path}.appProtocol`));
  return errs;
}

function validateClientIPAffinityConfig(cfg: unknown, path: string): FieldError[] {
  const why = 'when session affinity type is ClientIP';
  if (!present(cfg)) return [fe.required(path, why)];
  const clientIP = o(cfg)['clientIP'];
  if (!present(clientIP)) return [fe.required(`${path}.clientIP`, why)];
  const timeout = o(clientIP)['timeoutSeconds'];
  if (!present(timeout)) return [fe.required(`${path}.clientIP.timeoutSeconds`, why)];
  const t = num(timeout) ?? 0;
  if (t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS) {
    return [fe.invalid(`${path}.clientIP.timeoutSeconds`, t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`)];
  }
  return [];
}

/** ValidateServiceClusterIPsRelatedFields: clusterIP/clusterIPs in step, families, policy, dual-stack shape. */
export function validateClusterIPsRelatedFields(spec: Spec): FieldError[] {
  if (typeOf(spec) === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ips = clusterIPsOf(spec);
  const ipsValue = goStringSlice('string', ips);
  const ip = s(spec['clusterIP']);
  if (ip !== '') {
    if (ips.length === 0) errs.push(fe.required('spec.clusterIPs'));
    else if (ips[0] !== ip) errs.push(rawValueError('FieldValueInvalid', 'spec.clusterIPs', ipsValue, 'first value must match `clusterIP`'));
  } else if (ips.length > 0) {
    errs.push(rawValueError('FieldValueInvalid', 'spec.clusterIPs', ipsValue, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  familiesOf(spec).forEach((family, i) => {
    if (!IP_FAMILIES.includes(family)) errs.push(fe.notSupported(`spec.ipFamilies[${i}]`, family, IP_FAMILIES));
    if (seen.has(family)) errs.push(fe.duplicate(`spec.ipFamilies[${i}]`, family));
    seen.add(family);
  });
  if (present(spec['ipFamilyPolicy']) && !IP_FAMILY_POLICIES.includes(s(spec['ipFamilyPolicy']))) {
    errs.push(fe.notSupported('spec.ipFamilyPolicy', s(spec['ipFamilyPolicy']), IP_FAMILY_POLICIES));
  }
  let hasInvalidIPs = false;
  for (const [i, value] of ips.entries()) {
    if (i === 0 && value === 'None') {
      if (ips.length > 1) {
        hasInvalidIPs = true;
        errs.push(rawValueError('FieldValueInvalid', 'spec.clusterIPs', ipsValue, "'None' must be the first and only value"));
      }
      continue;
    }
    const ipErrs = validateIP(value, `spec.clusterIPs[${i}]`);
    if (ipErrs.length > 0) hasInvalidIPs = true;
    errs.push(...ipErrs);
  }
  if (ips.length > 2) errs.push(rawValueError('FieldValueInvalid', 'spec.clusterIPs', ipsValue, 'may only hold up to 2 values'));
  if (hasInvalidIPs) return errs;
  if (ips.length > 1) {
    const v6 = ips.filter(isIPv6String).length;
    if (v6 === 0 || v6 === ips.length) {
      errs.push(rawValueError('FieldValueInvalid', 'spec.clusterIPs', ipsValue, 'may specify no more than one IP for each IP family'));
    }
  }
  const families = familiesOf(spec);
  if (!isHeadless(spec) && ips.length > 0 && families.length > 0) {
    ips.forEach((value, i) => {
      if (i > families.length - 1) return;
      if (families[i] === 'IPv4' && isIPv6String(value)) {
        errs.push(fe.invalid(`spec.clusterIPs[${i}]`, value, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      }
      if (families[i] === 'IPv6' && !isIPv6String(value)) {
        errs.push(fe.invalid(`spec.clusterIPs[${i}]`, value, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
      }
    });
  }
  return errs;
}

function validateLoadBalancerClassField(old: Spec | undefined, spec: Spec): FieldError[] {
  const errs: FieldError[] = [];
  const cls = spec['loadBalancerClass'];
  if (old !== undefined && typeOf(old) === 'LoadBalancer' && typeOf(spec) === 'LoadBalancer') {
    if (!semanticEqual(old['loadBalancerClass'] ?? null, cls ?? null)) {
      errs.push(fe.invalid('spec.loadBalancerClass', present(cls) ? s(cls) : null, 'may not change once set'));
    }
  }
  if (typeOf(spec) === 'LoadBalancer') {
    if (present(cls)) errs.push(...qualifiedName(s(cls), 'spec.loadBalancerClass'));
  } else if (present(cls)) {
    errs.push(fe.forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  return errs;
}

function validateExternalTrafficPolicy(spec: Spec): FieldError[] {
  const errs: FieldError[] = [];
  const etp = s(spec['externalTrafficPolicy']);
  if (!externallyAccessible(spec)) {
    if (etp !== '') errs.push(fe.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp === '') {
    errs.push(fe.required('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(etp)) {
    errs.push(fe.notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  }
  const hc = num(spec['healthCheckNodePort']) ?? 0;
  if (!needsHealthCheck(spec)) {
    if (hc !== 0) {
      errs.push(fe.invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  } else if (hc !== 0) {
    // 0 is "not allocated yet" until health check node ports are allocated.
    for (const m of isValidPortNum(hc)) errs.push(fe.invalid('spec.healthCheckNodePort', hc, m));
  }
  return errs;
}

function validateLoadBalancerStatus(status: Obj, path: string, spec: Spec): FieldError[] {
  const errs: FieldError[] = [];
  const ingress = objs(status['ingress']);
  if (typeOf(spec) !== 'LoadBalancer' && ingress.length > 0) {
    return [fe.forbidden(`${path}.ingress`, "may only be used when `spec.type` is 'LoadBalancer'")];
  }
  ingress.forEach((ing, i) => {
    const p = `${path}.ingress[${i}]`;
    const ip = s(ing['ip']);
    if (ip !== '') errs.push(...validateIP(ip, `${p}.ip`));
    const mode = ing['ipMode'];
    if (!present(mode)) {
      if (ip !== '') errs.push(fe.required(`${p}.ipMode`, 'must be specified when `ip` is set'));
    } else if (ip === '') {
      errs.push(fe.forbidden(`${p}.ipMode`, 'may not be specified when `ip` is not set'));
    } else if (!LOAD_BALANCER_IP_MODES.includes(s(mode))) {
      errs.push(fe.notSupported(`${p}.ipMode`, s(mode), LOAD_BALANCER_IP_MODES));
    }
    const hostname = s(ing['hostname']);
    if (hostname !== '') {
      errs.push(...dns1123Subdomain(hostname, `${p}.hostname`));
      if (validateIP(hostname, '').length === 0) errs.push(fe.invalid(`${p}.hostname`, hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/** ValidateService. */
export function validateService(svc: Obj): FieldError[] {
  const meta = o(svc['metadata']);
  const errs = validateObjectMeta(meta, true, nameIsDNS1035Label);
  const annotations = o(meta['annotations']);
  if (TOPOLOGY_MODE in annotations && TOPOLOGY_AWARE_HINTS in annotations && annotations[TOPOLOGY_MODE] !== annotations[TOPOLOGY_AWARE_HINTS]) {
    errs.push(fe.invalid(`metadata.annotations[${TOPOLOGY_MODE}]`, s(annotations[TOPOLOGY_MODE]),
      `must match annotations[${TOPOLOGY_AWARE_HINTS}] when both are specified`));
  }
  const spec = o(svc['spec']);
  const type = typeOf(spec);
  const headless = isHeadless(spec);
  const ports = objs(spec['ports']);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(fe.required('spec.ports'));
  switch (type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (headless) errs.push(fe.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
      break;
    case 'ExternalName': {
      if (clusterIPsOf(spec).length > 0) errs.push(fe.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (familiesOf(spec).length > 0) errs.push(fe.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (present(spec['ipFamilyPolicy'])) errs.push(fe.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      const externalName = s(spec['externalName']);
      const cname = externalName.endsWith('.') ? externalName.slice(0, -1) : externalName;
      if (cname !== '') errs.push(...dns1123Subdomain(cname, 'spec.externalName'));
      else errs.push(fe.required('spec.externalName'));
      break;
    }
    default:
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, `spec.ports[${i}]`)));
  errs.push(...validateLabels(spec['selector'], 'spec.selector'));
  const affinity = s(spec['sessionAffinity']);
  if (affinity === '') errs.push(fe.required('spec.sessionAffinity'));
  else if (!SESSION_AFFINITIES.includes(affinity)) errs.push(fe.notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  if (affinity === 'ClientIP') errs.push(...validateClientIPAffinityConfig(spec['sessionAffinityConfig'], 'spec.sessionAffinityConfig'));
  else if (affinity === 'None' && present(spec['sessionAffinityConfig'])) {
    errs.push(fe.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPsRelatedFields(spec));
  strs(spec['externalIPs']).forEach((ip, i) => {
    const p = `spec.externalIPs[${i}]`;
    const ipErrs = validateIP(ip, p);
    errs.push(...(ipErrs.length > 0 ? ipErrs : validateNonSpecialIP(ip, p)));
  });
  if (type === '') errs.push(fe.required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(fe.notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if ((num(p['nodePort']) ?? 0) !== 0) errs.push(fe.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const nodePort = num(p['nodePort']) ?? 0;
    if (nodePort === 0) return;
    const key = `${s(p['protocol'])}/${nodePort}`;
    if (nodePorts.has(key)) errs.push(fe.duplicate(`spec.ports[${i}].nodePort`, nodePort));
    nodePorts.add(key);
  });
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const protocol = s(p['protocol']);
    const port = num(p['port']) ?? 0;
    const key = `${protocol}/${port}`;
    if (portKeys.has(key)) errs.push(rawValueError('FieldValueDuplicate', `spec.ports[${i}]`, servicePortKey(protocol, port), ''));
    portKeys.add(key);
  });
  const ranges = strs(spec['loadBalancerSourceRanges']);
  if (ranges.length > 0) {
    const p = 'spec.LoadBalancerSourceRanges';
    if (type !== 'LoadBalancer') errs.push(fe.forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...validateCIDR(r.trim(), `${p}[${i}]`)));
  } else if (LB_SOURCE_RANGES in annotations) {
    const p = `metadata.annotations[${LB_SOURCE_RANGES}]`;
    if (type !== 'LoadBalancer') errs.push(fe.forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
    const val = s(annotations[LB_SOURCE_RANGES]).trim();
    if (val !== '') for (const r of val.split(',')) errs.push(...validateCIDR(r.trim(), p));
  }
  if (present(spec['allocateLoadBalancerNodePorts']) && type !== 'LoadBalancer') {
    errs.push(fe.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === 'LoadBalancer' && !present(spec['allocateLoadBalancerNodePorts'])) errs.push(fe.required('allocateLoadBalancerNodePorts'));
  errs.push(...validateLoadBalancerClassField(undefined, spec));
  errs.push(...validateExternalTrafficPolicy(spec));
  const itp = spec['internalTrafficPolicy'];
  if (!present(itp)) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') errs.push(fe.required('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(s(itp))) {
    errs.push(fe.notSupported('spec.internalTrafficPolicy', s(itp), TRAFFIC_POLICIES));
  }
  const td = spec['trafficDistribution'];
  if (present(td) && td !== 'PreferClose') errs.push(fe.notSupported('spec.trafficDistribution', s(td), ['PreferClose']));
  return errs;
}

/** validateUpgradeDowngradeClusterIPs: clusterIPs[0] may not change once set (ExternalName aside). */
function validateClusterIPsUpdate(old: Spec, spec: Spec): FieldError[] {
  if (typeOf(spec) === 'ExternalName' || typeOf(old) === 'ExternalName') return [];
  if (isHeadless(old) && isHeadless(spec)) return [];
  const errs: FieldError[] = [];
  const oldIPs = clusterIPsOf(old);
  const ips = clusterIPsOf(spec);
  const value = goStringSlice('string', ips);
  const changed = (): FieldError => rawValueError('FieldValueInvalid', 'spec.clusterIPs[0]', value, 'may not change once set');
  if (oldIPs.length === ips.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== ips[i]) errs.push(rawValueError('FieldValueInvalid', `spec.clusterIPs[${i}]`, value, 'may not change once set'));
    });
  } else if (oldIPs.length > ips.length) {
    if (ips.length === 0) errs.push(rawValueError('FieldValueInvalid', 'spec.clusterIPs[0]', value, 'primary clusterIP can not be unset'));
    if (oldIPs.length > 0 && ips.length > 0 && ips[0] !== oldIPs[0]) errs.push(changed());
    if (ips.length === 1 && spec['ipFamilyPolicy'] !== 'SingleStack') {
      errs.push(fe.invalid('spec.ipFamilyPolicy', present(spec['ipFamilyPolicy']) ? s(spec['ipFamilyPolicy']) : null,
        "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) {
    errs.push(changed());
  }
  return errs;
}

/** validateUpgradeDowngradeIPFamilies. */
function validateIPFamiliesUpdate(old: Spec, spec: Spec): FieldError[] {
  if (typeOf(spec) === 'ExternalName' || typeOf(old) === 'ExternalName') return [];
  if (isHeadless(old) !== isHeadless(spec) || isHeadless(spec)) return [];
  const errs: FieldError[] = [];
  const oldFamilies = familiesOf(old);
  const families = familiesOf(spec);
  const familiesValue = goStringSlice('core.IPFamily', families);
  const ipsValue = goStringSlice('string', clusterIPsOf(spec));
  if (oldFamilies.length === families.length) {
    oldFamilies.forEach((f, i) => {
      if (f !== families[i]) errs.push(rawValueError('FieldValueInvalid', 'spec.ipFamilies[0]', familiesValue, 'may not change once set'));
    });
  } else if (oldFamilies.length > families.length) {
    if (clusterIPsOf(spec).length === 0) errs.push(rawValueError('FieldValueInvalid', 'spec.ipFamilies[0]', familiesValue, 'primary ipFamily can not be unset'));
    if (families.length > 0 && families[0] !== oldFamilies[0]) errs.push(rawValueError('FieldValueInvalid', 'spec.ipFamilies[0]', ipsValue, 'may not change once set'));
    if (families.length === 1 && spec['ipFamilyPolicy'] !== 'SingleStack') {
      errs.push(fe.invalid('spec.ipFamilyPolicy', present(spec['ipFamilyPolicy']) ? s(spec['ipFamilyPolicy']) : null,
        "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (oldFamilies.length > 0 && families.length > 0 && families[0] !== oldFamilies[0]) {
    errs.push(rawValueError('FieldValueInvalid', 'spec.ipFamilies[0]', ipsValue, 'may not change once set'));
  }
  return errs;
}

/** ValidateServiceUpdate, with ValidateServiceStatusUpdate's load balancer status checks. */
export function validateServiceUpdate(svc: Obj, old: Obj): FieldError[] {
  const spec = o(svc['spec']);
  const oldSpec = o(old['spec']);
  const errs = validateObjectMetaUpdate(o(svc['metadata']), o(old['metadata']));
  errs.push(...validateClusterIPsUpdate(oldSpec, spec));
  errs.push(...validateIPFamiliesUpdate(oldSpec, spec));
  errs.push(...validateLoadBalancerClassField(oldSpec, spec).filter((e) => e.detail === 'may not change once set'));
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && (num(spec['healthCheckNodePort']) ?? 0) !== (num(oldSpec['healthCheckNodePort']) ?? 0)) {
    errs.push(fe.forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  errs.push(...validateService(svc));
  errs.push(...validateLoadBalancerStatus(o(o(svc['status'])['loadBalancer']), 'status.loadBalancer', spec));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Table (printService)

const DOC = {
  type: 'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
  clusterIP: 'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  externalIPs: 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.',
  ports: 'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
  selector: 'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/',
};

/** loadBalancerStatusStringer with wide output (the server always prints wide cells): IPs or hostnames, sorted. */
function loadBalancerIngress(status: Obj): string {
  const set = new Set<string>();
  for (const ing of objs(o(status['loadBalancer'])['ingress'])) {
    const ip = s(ing['ip']);
    const host = s(ing['hostname']);
    if (ip !== '') set.add(ip);
    else if (host !== '') set.add(host);
  }
  return [...set].sort().join(',');
}

function externalIPCell(svc: Obj): string {
  const spec = o(svc['spec']);
  const externalIPs = strs(spec['externalIPs']);
  switch (typeOf(spec)) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(o(svc['status']));
      if (externalIPs.length > 0) return [...(lb === '' ? [] : lb.split(',')), ...externalIPs].join(',');
      return lb !== '' ? lb : '<pending>';
    }
    case 'ExternalName':
      return s(spec['externalName']);
    default:
      return '<unknown>';
  }
}

function portsCell(ports: unknown): string {
  return objs(ports).map((p) => {
    const port = num(p['port']) ?? 0;
    const nodePort = num(p['nodePort']) ?? 0;
    const protocol = s(p['protocol']);
    return nodePort > 0 ? `${port}:${nodePort}/${protocol}` : `${port}/${protocol}`;
  }).join(',');
}

/** labels.FormatLabels: sorted key=value pairs, `<none>` when empty. */
export function formatLabels(labels: unknown): string {
  const entries = strEntries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

export const SERVICE_TABLE: TableSpec = {
  columns: [
    NAME, col('Type', DOC.type), col('Cluster-IP', DOC.clusterIP), col('External-IP', DOC.externalIPs), col('Port(s)', DOC.ports), AGE,
    col('Selector', DOC.selector, 1),
  ],
  row(svc, now) {
    const spec = o(svc['spec']);
    const meta = o(svc['metadata']);
    const ips = clusterIPsOf(spec);
    const ports = portsCell(spec['ports']);
    return {
      cells: [s(meta['name']), typeOf(spec), ips.length > 0 ? ips[0] : '<none>', externalIPCell(svc), ports === '' ? '<none>' : ports,
        translateTimestampSince(meta['creationTimestamp'], now), formatLabels(spec['selector'])],
    };
  },
};

export const SERVICE_KIND: KindDefinition = defineKind({
  group: '', version: 'v1', kind: 'Service', resource: 'services', namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  subresources: [statusSubresource('Service')],
  statusSubresource: true,
  table: SERVICE_TABLE,
  defaults: defaultService,
  prepareForCreate: prepareServiceForCreate,
  prepareForUpdate: prepareServiceForUpdate,
  validate: validateService,
  validateUpdate: validateServiceUpdate,
});
