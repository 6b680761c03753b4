// core/v1 Endpoints: port protocols defaulted to TCP (SetDefaults_Endpoints), ValidateEndpoints
// (every subset has addresses, addresses are routable IPs, ports named when several) and the
// `kubectl get endpoints` table. No canonicalization: kube stopped repacking subsets in 1.20.
import { fieldErrors as fe } from '../../api/errors.ts';
import type { FieldError } from '../../api/errors.ts';
import { isValidPortNum } from '../../../kube/names.ts';
import { AGE, col, NAME, translateTimestampSince, type TableSpec } from '../../api/tables.ts';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { defineKind, type KindDefinition } from '../kind.ts';
import { arr, dns1123Label, isObj, num, o, objs, present, qualifiedName, s, setIfEmpty, validateIP, validateNonSpecialIP, type Obj } from './common.ts';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export function defaultEndpoints(ep: Obj): void {
  for (const ss of arr(ep['subsets'])) {
    if (!isObj(ss)) continue;
    for (const p of arr(ss['ports'])) if (isObj(p)) setIfEmpty(p, 'protocol', 'TCP');
  }
}

function validateEndpointAddress(addr: Obj, path: string): FieldError[] {
  const ip = s(addr['ip']);
  const errs = validateIP(ip, `${path}.ip`);
  const hostname = s(addr['hostname']);
  if (hostname !== '') errs.push(...dns1123Label(hostname, `${path}.hostname`));
  if (present(addr['nodeName'])) {
    const nodeName = s(addr['nodeName']);
    for (const m of nameIsDNSSubdomain(nodeName, false)) errs.push(fe.invalid(`${path}.nodeName`, nodeName, m));
  }
  errs.push(...validateNonSpecialIP(ip, `${path}.ip`));
  return errs;
}

function validateEndpointPort(port: Obj, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = s(port['name']);
  if (requireName && name === '') errs.push(fe.required(`${path}.name`));
  else if (name !== '') errs.push(...dns1123Label(name, `${path}.name`));
  const n = num(port['port']) ?? 0;
  for (const m of isValidPortNum(n)) errs.push(fe.invalid(`${path}.port`, n, m));
  const protocol = s(port['protocol']);
  if (protocol === '') errs.push(fe.required(`${path}.protocol`));
  else if (!PROTOCOLS.includes(protocol)) errs.push(fe.notSupported(`${path}.protocol`, protocol, PROTOCOLS));
  if (present(port['appProtocol'])) errs.push(...qualifiedName(s(port['appProtocol']), `${path}.appProtocol`));
  return errs;
}

/** ValidateEndpoints. */
export function validateEndpoints(ep: Obj): FieldError[] {
  const errs = validateObjectMeta(o(ep['metadata']), true, nameIsDNSSubdomain);
  objs(ep['subsets']).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    const addresses = objs(ss['addresses']);
    const notReady = objs(ss['notReadyAddresses']);
    if (addresses.length === 0 && notReady.length === 0) errs.push(fe.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    addresses.forEach((a, j) => errs.push(...validateEndpointAddress(a, `${p}.addresses[${j}]`)));
    notReady.forEach((a, j) => errs.push(...validateEndpointAddress(a, `${p}.notReadyAddresses[${j}]`)));
    const ports = objs(ss['ports']);
    ports.forEach((port, j) => errs.push(...validateEndpointPort(port, ports.length > 1, `${p}.ports[${j}]`)));
  });
  return errs;
}

/** ValidateEndpointsUpdate. */
export function validateEndpointsUpdate(ep: Obj, old: Obj): FieldError[] {
  return [...validateObjectMetaUpdate(o(ep['metadata']), o(old['metadata'])), ...validateEndpoints(ep)];
}

/** A host and port as net.JoinHostPort writes them (IPv6 in brackets). */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** formatEndpoints: up to three ip:port pairs, then `+ N more...`; `<none>` without subsets. */
export function formatEndpoints(ep: Obj): string {
  const subsets = objs(ep['subsets']);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = objs(ss['addresses']);
    const ports = objs(ss['ports']);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(s(a['ip']));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(s(a['ip']), num(port['port']) ?? 0));
      }
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${count - max} more...` : joined;
}

const SUBSETS_DOC = 'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.';

export const ENDPOINTS_TABLE: TableSpec = {
  columns: [NAME, col('Endpoints', SUBSETS_DOC), AGE],
  row(ep, now) {
    const meta = o(ep['metadata']);
    return { cells: [s(meta['name']), formatEndpoints(ep), translateTimestampSince(meta['creationTimestamp'], now)] };
  },
};

export const ENDPOINTS_KIND: KindDefinition = defineKind({
  group: '', version: 'v1', kind: 'Endpoints', resource: 'endpoints', namespaced: true,
  listKind: 'EndpointsList',
  shortNames: ['ep'],
  table: ENDPOINTS_TABLE,
  defaults: defaultEndpoints,
  validate: validateEndpoints,
  validateUpdate: validateEndpointsUpdate,
});
