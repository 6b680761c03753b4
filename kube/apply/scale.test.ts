import { describe, expect, it } from 'vitest';
import type { ManagedFieldsEntry } from './managed-fields.ts';
import { fromScaleManagedFields, specReplicas, toScaleManagedFields } from './scale.ts';

const e = (manager: string, operation: string, apiVersion: string, fieldsV1: unknown, extra: Partial<ManagedFieldsEntry> = {}): ManagedFieldsEntry => ({
  manager, operation, apiVersion, ...(extra.time === undefined ? {} : { time: extra.time }), fieldsType: 'FieldsV1', fieldsV1,
  ...(extra.subresource === undefined ? {} : { subresource: extra.subresource }),
});
const REPLICAS = { 'f:spec': { 'f:replicas': {} } };
const paths = specReplicas('apps/v1');

describe('managedFields across /scale', () => {
  const parent = [
    e('kubectl', 'Apply', 'apps/v1', { 'f:spec': { 'f:replicas': {}, 'f:selector': {} } }, { time: '2026-01-01T00:00:00Z' }),
    e('kube-controller-manager', 'Update', 'apps/v1', { 'f:status': { 'f:replicas': {} } }, { time: '2026-01-01T00:01:00Z', subresource: 'status' }),
    e('old-client', 'Update', 'apps/v1beta1', REPLICAS, { time: '2026-01-01T00:02:00Z' }),
  ];

  it('the Scale shows the owners of the parent\'s replicas, as owners of its own', () => {
    expect(toScaleManagedFields(parent, paths)).toEqual([
      e('kubectl', 'Apply', 'autoscaling/v1', REPLICAS, { time: '2026-01-01T00:00:00Z' }),
    ]);
  });

  it('a write through /scale takes replicas from the parent\'s owners and drops unmapped versions', () => {
    const scaleAfter = [e('hpa', 'Update', 'autoscaling/v1', REPLICAS, { time: '2026-01-01T00:05:00Z', subresource: 'scale' })];
    expect(fromScaleManagedFields(parent, scaleAfter, 'apps/v1', paths)).toEqual([
      e('kubectl', 'Apply', 'apps/v1', { 'f:spec': { 'f:selector': {} } }, { time: '2026-01-01T00:00:00Z' }),
      // The new owner has no time: ToParent takes times from the parent's entries.
      e('hpa', 'Update', 'apps/v1', REPLICAS, { subresource: 'scale' }),
      e('kube-controller-manager', 'Update', 'apps/v1', { 'f:status': { 'f:replicas': {} } }, { time: '2026-01-01T00:01:00Z', subresource: 'status' }),
    ]);
  });

  it('an applier still owning replicas in the Scale keeps its entry', () => {
    const scaleAfter = toScaleManagedFields(parent, paths);
    expect(fromScaleManagedFields(parent, scaleAfter, 'apps/v1', paths)).toEqual([
      e('kubectl', 'Apply', 'apps/v1', { 'f:spec': { 'f:replicas': {}, 'f:selector': {} } }, { time: '2026-01-01T00:00:00Z' }),
      e('kube-controller-manager', 'Update', 'apps/v1', { 'f:status': { 'f:replicas': {} } }, { time: '2026-01-01T00:01:00Z', subresource: 'status' }),
    ]);
  });
});
