import { describe, expect, it } from 'vitest';
import { ApplyConflictError } from './conflicts.ts';
import { FieldSet } from './field-set.ts';
import type { ManagedFieldsEntry } from './managed-fields.ts';
import {
  decodeManagedFields, encodeManagedFields, ManagedFieldsError, managerIdentifier, printManager,
  sortManagedFieldsEntries,
} from './managed-fields.ts';
import { keyElement, makePath } from './path.ts';

describe('manager identifiers', () => {
  it.each<[string, Parameters<typeof managerIdentifier>[0], string]>([
    ['an applier has no version', { manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1' }, '{"manager":"kubectl","operation":"Apply"}'],
    ['an updater has one', { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1' }, '{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1"}'],
    ['the subresource comes last', { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', subresource: 'status' }, '{"manager":"kubelet","operation":"Update","apiVersion":"v1","subresource":"status"}'],
    ['names are escaped as Go does', { manager: 'a<b>"c"', operation: 'Apply' }, '{"manager":"a\\u003cb\\u003e\\"c\\"","operation":"Apply"}'],
  ])('%s', (_name, info, id) => {
    expect(managerIdentifier(info)).toBe(id);
  });

  it.each<[string, string]>([
    ['{"manager":"kubectl","operation":"Apply"}', '"kubectl"'],
    ['{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1"}', '"kube-controller-manager" using apps/v1'],
    ['{"manager":"kubectl","operation":"Update","apiVersion":"apps/v1","subresource":"scale"}', '"kubectl" with subresource "scale" using apps/v1'],
    ['{"manager":"x","operation":"Apply","subresource":"status"}', '"x" with subresource "status"'],
    ['not json', '"not json"'],
  ])('prints %s as %s', (id, text) => {
    expect(printManager(id)).toBe(text);
  });
});

describe('decode and encode', () => {
  // The documentation's ConfigMap with two managers (server-side-apply.md), as a user would write
  // it: fields out of order, times with milliseconds, entries unsorted.
  const documented: ManagedFieldsEntry[] = [
    {
      manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: '2019-03-30T16:00:00.000Z',
      fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:key': {} } },
    },
    {
      manager: 'kubectl', operation: 'Apply', time: '2019-03-30T15:00:00.000Z', apiVersion: 'v1',
      fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:test-label': {} } } },
    },
  ];

  it('round-trips the documented entries into kube-apiserver\'s form', () => {
    const encoded = encodeManagedFields(decodeManagedFields(documented));
    expect(JSON.stringify(encoded)).toBe(JSON.stringify([
      {
        manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2019-03-30T15:00:00Z',
        fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:test-label': {} } } },
      },
      {
        manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: '2019-03-30T16:00:00Z',
        fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:key': {} } },
      },
    ]));
    expect(encodeManagedFields(decodeManagedFields(encoded))).toEqual(encoded);
  });

  it('round-trips a map-list entry with subresource', () => {
    const entry: ManagedFieldsEntry = {
      manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:phase': {} } },
      subresource: 'status',
    };
    const decoded = decodeManagedFields([entry]);
    const [id, vs] = [...decoded.fields][0]!;
    expect(id).toBe('{"manager":"kubelet","operation":"Update","apiVersion":"v1","subresource":"status"}');
    expect(vs.set.equals(FieldSet.of(
      makePath('status', 'conditions', keyElement({ type: 'Ready' })),
      makePath('status', 'conditions', keyElement({ type: 'Ready' }), 'status'),
      makePath('status', 'conditions', keyElement({ type: 'Ready' }), 'type'),
      makePath('status', 'phase'),
    ))).toBe(true);
    expect(encodeManagedFields(decoded)).toEqual([entry]);
  });

  it('sorts by operation, time, manager, version, subresource; no time sorts as the epoch', () => {
    const e = (manager: string, operation: string, time?: string, apiVersion = 'v1', subresource?: string): ManagedFieldsEntry => ({
      manager, operation, apiVersion, ...(time === undefined ? {} : { time }), ...(subresource === undefined ? {} : { subresource }),
    });
    const sorted = sortManagedFieldsEntries([
      e('b', 'Update', '2026-01-01T00:00:01Z'),
      e('a', 'Update', '2026-01-01T00:00:01Z', 'v2'),
      e('a', 'Update', '2026-01-01T00:00:01Z', 'v1', 'status'),
      e('a', 'Update', '2026-01-01T00:00:01Z'),
      e('z', 'Update'),
      e('y', 'Apply', '2026-01-01T00:00:00Z'),
      e('x', 'Apply', '2026-01-01T00:00:09Z'),
    ]);
    expect(sorted.map((x) => `${x.operation}/${x.manager}/${x.apiVersion}/${x.subresource ?? ''}`)).toEqual([
      'Apply/y/v1/', 'Apply/x/v1/', 'Update/z/v1/', 'Update/a/v1/', 'Update/a/v1/status', 'Update/a/v2/', 'Update/b/v1/',
    ]);
  });

  it.each<[string, unknown, string]>([
    ['an unknown operation', [{ manager: 'a', operation: 'Patch', apiVersion: 'v1', fieldsType: 'FieldsV1' }], 'operation must be `Apply` or `Update`'],
    ['no apiVersion', [{ manager: 'a', operation: 'Apply', fieldsType: 'FieldsV1' }], 'apiVersion must not be empty'],
    ['no fieldsType', [{ manager: 'a', operation: 'Apply', apiVersion: 'v1' }], 'missing fieldsType in managed fields entry 0'],
    ['another fieldsType', [{ manager: 'a', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV2' }], 'invalid fieldsType "FieldsV2" in managed fields entry 0'],
    ['bad fields', [{ manager: 'a', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'i:x': {} } }], 'error decoding set'],
  ])('rejects %s', (_name, entries, message) => {
    expect(() => decodeManagedFields(entries)).toThrow(ManagedFieldsError);
    expect(() => decodeManagedFields(entries)).toThrow(message);
  });

  it('encodes nothing as undefined (the field is dropped)', () => {
    expect(encodeManagedFields(decodeManagedFields(undefined))).toBeUndefined();
  });
});

describe('conflict errors', () => {
  const kubectl = '{"manager":"kubectl","operation":"Apply"}';
  const kcm = '{"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1"}';

  it('one conflict: one line, one cause', () => {
    const err = new ApplyConflictError([{ manager: '{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1"}', path: makePath('spec', 'replicas') }]);
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.replicas');
    expect(err.reason).toBe('Conflict');
    expect(err.toStatus()).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.replicas',
      reason: 'Conflict',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.spec.replicas' }] },
      code: 409,
    });
  });

  it('several: grouped by manager identifier, sorted', () => {
    const err = new ApplyConflictError([
      { manager: kubectl, path: makePath('spec', 'template', 'spec', 'containers', keyElement({ name: 'nginx' }), 'image') },
      { manager: kcm, path: makePath('spec', 'replicas') },
      { manager: kubectl, path: makePath('spec', 'paused') },
    ]);
    expect(err.message).toBe([
      'Apply failed with 3 conflicts: conflicts with "kube-controller-manager" using apps/v1:',
      '- .spec.replicas',
      'conflicts with "kubectl":',
      '- .spec.template.spec.containers[name="nginx"].image',
      '- .spec.paused',
    ].join('\n'));
    expect(err.causes.map((c) => c.field)).toEqual(['.spec.template.spec.containers[name="nginx"].image', '.spec.replicas', '.spec.paused']);
  });
});
