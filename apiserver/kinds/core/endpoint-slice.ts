// discovery.k8s.io/v1 EndpointSlice: port names and protocols defaulted, generation 1 on create
// and bumped on any change outside metadata (or of the labels), deprecatedTopology dropped on v1
// writes, ValidateEndpointSlice(Update) (addressType required and immutable, addresses of that
// type, ports unique by name) and the `kubectl get endpointslices` table.
import { fieldErrors as fe } from '../../api/errors.ts';
import type { FieldError } from '../../api/errors.ts';
import { AGE, col, NAME, translateTimestampSince, type TableSpec } from '../../api/tables.ts';
import { jsonEqual as semanticEqual, nameIsDNSSubdomain, validateImmutable, validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation.ts';
import { defineKind, type KindDefinition } from '../kind.ts';
import {
  arr, dns1123Label, isObj, num, o, objs, present, qualifiedName, s, strs, validateFQDN, validateIPFamilyAddress, validateIP,
  validateNonSpecialIP, type Obj,
} from './common.ts';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;
const MAX_ENDPOINTS = 1000;
const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export function defaultEndpointSlice(eps: Obj): void {
  // endpoints, ports and an endpoint's addresses are not omitempty; conditions is a struct
  if (eps['endpoints'] === undefined) eps['endpoints'] = null;
  if (eps['ports'] === undefined) eps['ports'] = null;
  for (const ep of arr(eps['endpoints'])) {
    if (!isObj(ep)) continue;
    if (ep['addresses'] === undefined) ep['addresses'] = null;
    if (!present(ep['conditions'])) ep['conditions'] = {};
  }
  for (const p of arr(eps['ports'])) {
    if (!isObj(p)) continue;
    if (!present(p['name'])) p['name'] = '';
    if (!present(p['protocol'])) p['protocol'] = 'TCP';
  }
}

/**
 * dropTopologyOnV1: deprecatedTopology is not writable through v1; a hostname it held moves to
 * nodeName when the old slice already named that node. Unchanged endpoints are left alone.
 */
function dropTopology(eps: Obj, old: Obj | undefined): void {
  if (old !== undefined && semanticEqual(old['endpoints'], eps['endpoints'])) return;
  const prevNodeNames = new Set<string>();
  if (old !== undefined) {
    for (const ep of objs(old['endpoints'])) {
      const host = o(ep['deprecatedTopology'])[HOSTNAME_LABEL];
      if (typeof host === 'string') prevNodeNames.add(host);
    }
  }
  for (const ep of arr(eps['endpoints'])) {
    if (!isObj(ep)) continue;
    const host = o(ep['deprecatedTopology'])[HOSTNAME_LABEL];
    if (!present(ep['nodeName']) && typeof host === 'string' && prevNodeNames.has(host) && nameIsDNSSubdomain(host, false).length === 0) {
      ep['nodeName'] = host;
    }
    delete ep['deprecatedTopology'];
  }
}

function withoutMetadata(x: Obj): Obj {
  const { metadata: _m, ...rest } = x;
  return rest;
}

function prepareForCreate(eps: Obj): void {
  if (isObj(eps['metadata'])) eps['metadata']['generation'] = 1;
  dropTopology(eps, undefined);
}

function prepareForUpdate(eps: Obj, old: Obj): void {
  const meta = eps['metadata'];
  const oldMeta = o(old['metadata']);
  if (isObj(meta) && (!semanticEqual(withoutMetadata(eps), withoutMetadata(old)) || !semanticEqual(meta['labels'], oldMeta['labels']))) {
    meta['generation'] = (num(oldMeta['generation']) ?? 0) + 1;
  }
  dropTopology(eps, old);
}

function validateEndpoints(endpoints: unknown, addressType: string): FieldError[] {
  const list = arr(endpoints);
  if (list.length > MAX_ENDPOINTS) return [fe.tooMany('endpoints', list.length, MAX_ENDPOINTS)];
  const errs: FieldError[] = [];
  list.map(o).forEach((ep, i) => {
    const p = `endpoints[${i}]`;
    const addresses = strs(ep['addresses']);
    if (addresses.length === 0) errs.push(fe.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) errs.push(fe.tooMany(`${p}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((address, j) => {
      const ap = `${p}.addresses[${j}]`;
      switch (addressType) {
        case 'IP':
          errs.push(...validateIP(address, ap));
          break;
        case 'IPv4':
        case 'IPv6':
          errs.push(...validateIPFamilyAddress(address, ap, addressType === 'IPv6'));
          errs.push(...validateNonSpecialIP(address, ap));
          break;
        case 'FQDN':
          errs.push(...validateFQDN(address, ap));
          break;
        default:
      }
    });
    if (present(ep['nodeName'])) {
      const nodeName = s(ep['nodeName']);
      for (const m of nameIsDNSSubdomain(nodeName, false)) errs.push(fe.invalid(`${p}.nodeName`, nodeName, m));
    }
    if (present(ep['hostname'])) errs.push(...dns1123Label(s(ep['hostname']), `${p}.hostname`));
  });
  return errs;
}

function validatePorts(ports: unknown): FieldError[] {
  const list = arr(ports);
  if (list.length > MAX_PORTS) return [fe.tooMany('ports', list.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.map(o).forEach((port, i) => {
    const p = `ports[${i}]`;
    const name = s(port['name']);
    if (name !== '') errs.push(...dns1123Label(name, `${p}.name`));
    if (names.has(name)) errs.push(fe.duplicate(`${p}.name`, name));
    else names.add(name);
    if (!present(port['protocol'])) errs.push(fe.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(s(port['protocol']))) errs.push(fe.notSupported(`${p}.protocol`, s(port['protocol']), PROTOCOLS));
    if (present(port['appProtocol'])) errs.push(...qualifiedName(s(port['appProtocol']), `${p}.appProtocol`));
  });
  return errs;
}

function validateSlice(eps: Obj, addressTypes: readonly string[]): FieldError[] {
  const errs = validateObjectMeta(o(eps['metadata']), true, nameIsDNSSubdomain);
  const addressType = s(eps['addressType']);
  if (addressType === '') errs.push(fe.required('addressType'));
  else if (!addressTypes.includes(addressType)) errs.push(fe.notSupported('addressType', addressType, addressTypes));
  errs.push(...validateEndpoints(eps['endpoints'], addressType));
  errs.push(...validatePorts(eps['ports']));
  return errs;
}

/** ValidateEndpointSliceCreate. */
export function validateEndpointSlice(eps: Obj): FieldError[] {
  return validateSlice(eps, ADDRESS_TYPES);
}

/** ValidateEndpointSliceUpdate: the deprecated IP address type still passes; addressType is immutable. */
export function validateEndpointSliceUpdate(eps: Obj, old: Obj): FieldError[] {
  return [
    ...validateObjectMetaUpdate(o(eps['metadata']), o(old['metadata'])),
    ...validateSlice(eps, ['FQDN', 'IP', 'IPv4', 'IPv6']),
    ...validateImmutable(s(eps['addressType']), s(old['addressType']), 'addressType'),
  ];
}

/** listWithMoreString: up to three items, then `+ N more...`; `<unset>` when empty. */
function listWithMore(items: string[]): string {
  const max = 3;
  const shown = items.slice(0, max).join(',');
  if (items.length > max) return `${shown} + ${items.length - max} more...`;
  return shown === '' ? '<unset>' : shown;
}

/** formatDiscoveryPorts: the port number, else its name, else `*`. */
export function formatDiscoveryPorts(ports: unknown): string {
  return listWithMore(objs(ports).map((p) => {
    const port = num(p['port']);
    if (present(p['port']) && port !== undefined) return String(port);
    if (present(p['name'])) return s(p['name']);
    return '*';
  }));
}

/** formatDiscoveryEndpoints: every address of every endpoint. */
export function formatDiscoveryEndpoints(endpoints: unknown): string {
  return listWithMore(objs(endpoints).flatMap((ep) => strs(ep['addresses'])));
}

const DOC = {
  addressType: 'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.',
  ports: 'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
  endpoints: 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.',
};

export const ENDPOINT_SLICE_TABLE: TableSpec = {
  columns: [NAME, col('AddressType', DOC.addressType), col('Ports', DOC.ports), col('Endpoints', DOC.endpoints), AGE],
  row(eps, now) {
    const meta = o(eps['metadata']);
    return {
      cells: [s(meta['name']), s(eps['addressType']), formatDiscoveryPorts(eps['ports']), formatDiscoveryEndpoints(eps['endpoints']),
        translateTimestampSince(meta['creationTimestamp'], now)],
    };
  },
};

export const ENDPOINT_SLICE_KIND: KindDefinition = defineKind({
  group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', resource: 'endpointslices', namespaced: true,
  table: ENDPOINT_SLICE_TABLE,
  defaults: defaultEndpointSlice,
  prepareForCreate,
  prepareForUpdate: (eps, old) => { prepareForUpdate(eps, old); },
  validate: validateEndpointSlice,
  validateUpdate: validateEndpointSliceUpdate,
});
