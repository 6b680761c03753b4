// The naming and establishing controllers' decisions: names another definition of the group has
// accepted are refused with upstream's reasons, the others accepted, and a definition whose
// names are all accepted is Established at once.
import { describe, expect, it } from 'vitest';
import { acceptedNamesOf, awaitsCleanup, calculateNames, namingStatus, withoutCleanupFinalizer } from './crd-names.ts';

type Obj = Record<string, unknown>;

const NOW = '2024-01-01T00:00:00Z';

function crd(plural: string, kind: string, accepted?: Obj, extra: Obj = {}): Obj {
  return {
    metadata: { name: `${plural}.example.com` },
    spec: { group: 'example.com', names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List`, ...extra } },
    status: accepted === undefined ? { acceptedNames: { plural: '', kind: '' } } : { acceptedNames: accepted },
  };
}

const widgets = crd('widgets', 'Widget', { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] });

describe('CRD names', () => {
  it('accepts fresh names and establishes the definition', () => {
    const gadgets = crd('gadgets', 'Gadget', undefined, { shortNames: ['gd'], categories: ['all'] });
    const next = namingStatus(gadgets, acceptedNamesOf([widgets, gadgets], 'example.com'), NOW);
    expect(next?.['status']).toEqual({
      acceptedNames: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList', shortNames: ['gd'], categories: ['all'] },
      conditions: [
        { type: 'NamesAccepted', status: 'True', lastTransitionTime: NOW, reason: 'NoConflicts', message: 'no conflicts found' },
        { type: 'Established', status: 'True', lastTransitionTime: NOW, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      ],
    });
    if (next === undefined) throw new Error('no status');
    expect(namingStatus(next, acceptedNamesOf([widgets, next], 'example.com'), NOW)).toBeUndefined();
  });

  const conflicts: [string, Obj, string, string][] = [
    ['a plural in use', crd('widgets', 'Gizmo'), 'PluralConflict', '"widgets" is already in use'],
    ['a short name used as a plural', crd('wd', 'Gizmo'), 'PluralConflict', '"wd" is already in use'],
    ['a short name in use', crd('gizmos', 'Gizmo', undefined, { shortNames: ['wd', 'gz'] }), 'ShortNamesConflict', '"wd" is already in use'],
    ['a kind in use (the last conflict names the reason)', crd('gizmos', 'Widget'), 'ListKindConflict', '"WidgetList" is already in use'],
    ['a singular in use', { ...crd('gizmos', 'Gizmo'), spec: { group: 'example.com', names: { plural: 'gizmos', singular: 'widget', kind: 'Gizmo', listKind: 'GizmoList' } } }, 'SingularConflict', '"widget" is already in use'],
  ];
  for (const [name, def, reason, message] of conflicts) {
    it(`refuses ${name}`, () => {
      const { condition } = calculateNames(def, acceptedNamesOf([widgets], 'example.com'));
      expect(condition).toEqual({ type: 'NamesAccepted', status: 'False', reason, message });
      const next = namingStatus(def, acceptedNamesOf([widgets], 'example.com'), NOW);
      const established = ((next?.['status'] as Obj)['conditions'] as Obj[]).find((c) => c['type'] === 'Established');
      expect(established).toMatchObject({ status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
    });
  }

  it('does not count other groups\' names', () => {
    const other = { ...widgets, spec: { ...(widgets['spec'] as Obj), group: 'example.org' } };
    const { condition } = calculateNames(crd('widgets', 'Widget'), acceptedNamesOf([other], 'example.com'));
    expect(condition.status).toBe('True');
  });

  it('knows a definition waiting for its cleanup, and lets it go', () => {
    const deleting = { ...widgets, metadata: { name: 'widgets.example.com', deletionTimestamp: NOW, finalizers: ['customresourcecleanup.apiextensions.k8s.io', 'x/y'] } };
    expect(awaitsCleanup(widgets)).toBe(false);
    expect(awaitsCleanup(deleting)).toBe(true);
    expect((withoutCleanupFinalizer(deleting)['metadata'] as Obj)['finalizers']).toEqual(['x/y']);
  });
});
