// The kinds the server served before kinds were declared one by one: their defaults, registry
// preparation and validation live in the pure modules (api/defaults.ts, api/validation.ts,
// api/tables.ts) and are wired here as they were, so their behaviour is unchanged.
import { applyDefaults, prepareForCreate, prepareForUpdate } from '../api/defaults.ts';
import { validateCreate, validateEventsV1Create, validateEventsV1Update, validateUpdate } from '../api/validation.ts';
import { ephemeralContainers } from '../registry/ephemeral-containers.ts';
import { evictPod } from '../registry/pod-eviction.ts';
import { eventFromEventsV1, eventsV1Strategy, podStrategy } from '../registry/strategies.ts';
import { createServiceAccountToken } from '../registry/token-request.ts';
import { defineKind, statusSubresource, type KindDeclaration, type KindDefinition } from './kind.ts';

function legacy(d: KindDeclaration): KindDefinition {
  const kind = defineKind({
    prepareForCreate: (obj) => { prepareForCreate(obj); },
    prepareForUpdate: (obj, old, sub) => { prepareForUpdate(obj, old, sub); },
    validate: (obj) => validateCreate(obj),
    validateUpdate: (obj, old) => validateUpdate(obj, old),
    ...d,
  });
  // scheme defaults on their own, for the field manager (the preparations above default again)
  return { ...kind, defaults: (obj) => { applyDefaults(obj); } };
}

export const LEGACY_KINDS: readonly KindDefinition[] = [
  legacy({
    group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    strategy: podStrategy,
    subresources: [
      statusSubresource('Pod'),
      { name: 'binding', kind: 'Binding', verbs: ['create'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
      { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    ],
    subresourceHandlers: { eviction: evictPod, ephemeralcontainers: ephemeralContainers },
  }),
  legacy({ group: '', version: 'v1', kind: 'Node', resource: 'nodes', namespaced: false, shortNames: ['no'], subresources: [statusSubresource('Node')] }),
  legacy({
    group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: [statusSubresource('Namespace'), { name: 'finalize', kind: 'Namespace', verbs: ['update'] }],
  }),
  legacy({ group: '', version: 'v1', kind: 'Event', resource: 'events', namespaced: true, shortNames: ['ev'] }),
  legacy({ group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true, shortNames: ['cm'] }),
  legacy({ group: '', version: 'v1', kind: 'Secret', resource: 'secrets', namespaced: true }),
  legacy({
    group: '', version: 'v1', kind: 'ServiceAccount', resource: 'serviceaccounts', namespaced: true,
    shortNames: ['sa'],
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
    subresourceHandlers: { token: createServiceAccountToken },
  }),
  legacy({
    group: 'events.k8s.io', version: 'v1', kind: 'Event', resource: 'events', namespaced: true, shortNames: ['ev'], strategy: eventsV1Strategy,
    // validated as upstream validates the internal (core) Event, with the new API's strict checks
    validate: (obj) => validateEventsV1Create(eventFromEventsV1(obj)),
    validateUpdate: (obj, old) => validateEventsV1Update(eventFromEventsV1(obj), eventFromEventsV1(old)),
  }),
  legacy({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', resource: 'leases', namespaced: true }),
];
