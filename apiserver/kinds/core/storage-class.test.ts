import { describe, expect, it } from 'vitest';
import type { Obj } from './common.ts';
import { STORAGE_CLASS_KIND, STORAGE_CLASS_TABLE } from './storage-class.ts';
import { create, created, NOW, update } from './testing.ts';

const sc = (body: Obj, annotations?: Obj): Obj => ({ metadata: { name: 'fast', ...(annotations === undefined ? {} : { annotations }) }, ...body });

describe('StorageClass', () => {
  it('defaults reclaimPolicy Delete and volumeBindingMode Immediate; cluster-scoped', () => {
    const obj = created(STORAGE_CLASS_KIND, sc({ provisioner: 'example.com/fast' }));
    expect(obj).toMatchObject({ provisioner: 'example.com/fast', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    expect(STORAGE_CLASS_KIND.namespaced).toBe(false);
    expect(STORAGE_CLASS_KIND.shortNames).toEqual(['sc']);
  });

  const cases: [string, Obj, string[]][] = [
    ['a provisioner is required', {}, ['provisioner: Required value']],
    ['provisioners are qualified names', { provisioner: 'a/b/c' }, [
      "provisioner: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]],
    ['policies and binding modes', { provisioner: 'p', reclaimPolicy: 'Recycle', volumeBindingMode: 'Later', parameters: { '': 'x' } }, [
      'parameters: Invalid value: "": field can not be empty.',
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
      'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    ]],
    ['allowed topologies', { provisioner: 'p', allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: [] }] }, { matchLabelExpressions: [{ key: 'zone', values: ['a', 'a'] }] }] }, [
      'allowedTopologies[0].matchLabelExpressions[0].values: Required value',
      'allowedTopologies[1].matchLabelExpressions[0].values[1]: Duplicate value: "a"',
    ]],
  ];
  for (const [name, body, want] of cases) it(name, () => { expect(create(STORAGE_CLASS_KIND, sc(body)).errors).toEqual(want); });

  it('provisioner, parameters, reclaimPolicy and volumeBindingMode are fixed after creation', () => {
    const old = created(STORAGE_CLASS_KIND, sc({ provisioner: 'example.com/fast', parameters: { type: 'ssd' } }));
    expect(update(STORAGE_CLASS_KIND, old, sc({ provisioner: 'example.com/slow', parameters: { type: 'hdd' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' })).errors).toEqual([
      'parameters: Forbidden: updates to parameters are forbidden.',
      'provisioner: Forbidden: updates to provisioner are forbidden.',
      'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
    expect(update(STORAGE_CLASS_KIND, old, sc({ provisioner: 'example.com/fast', parameters: { type: 'ssd' }, allowVolumeExpansion: true }, { a: 'b' })).errors).toEqual([]);
  });

  it('prints the columns with (default) after the default class', () => {
    expect(STORAGE_CLASS_TABLE.columns.map((c) => c.name)).toEqual(['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
    const def = created(STORAGE_CLASS_KIND, sc({ provisioner: 'example.com/fast', allowVolumeExpansion: true }, { 'storageclass.kubernetes.io/is-default-class': 'true' }));
    expect(STORAGE_CLASS_TABLE.row(def, NOW).cells).toEqual(['fast (default)', 'example.com/fast', 'Delete', 'Immediate', true, '5m']);
    const beta = created(STORAGE_CLASS_KIND, sc({ provisioner: 'p', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' }, { 'storageclass.beta.kubernetes.io/is-default-class': 'true' }));
    expect(STORAGE_CLASS_TABLE.row(beta, NOW).cells).toEqual(['fast (default)', 'p', 'Retain', 'WaitForFirstConsumer', false, '5m']);
    expect(STORAGE_CLASS_TABLE.row(sc({ provisioner: 'p' }), NOW).cells.slice(0, 5)).toEqual(['fast', 'p', 'Delete', 'Immediate', false]);
  });
});
