import { describe, expect, it } from 'vitest';
import { makePod, makeSet, revisionOf } from './fixtures.ts';
import {
  claimName, claimsForPod, identityMatches, isMemberOf, newStatefulSetPod, parentAndOrdinal, podInOrdinalRange, storageMatches, withIdentity,
  withStorage,
} from './identity.ts';

describe('ordinal bookkeeping', () => {
  it.each<[string, string, number]>([
    ['web-0', 'web', 0],
    ['web-12', 'web', 12],
    ['my-web-3', 'my-web', 3],
    ['web', '', -1],
    ['web-', '', -1],
    ['web-x', '', -1],
    ['web-2147483647', 'web', 2147483647],
    ['web-2147483648', 'web', -1],
  ])('%s → parent %s, ordinal %d', (name, parent, ordinal) => {
    expect(parentAndOrdinal(name)).toEqual({ parent, ordinal });
  });

  it('names claims <template>-<set>-<ordinal>', () => {
    expect(claimName(makeSet(), 'www', 4)).toBe('www-web-4');
  });

  it('membership is by name; range by spec.ordinals.start and replicas', () => {
    const set = makeSet({ start: 2, replicas: 2 });
    const rev = revisionOf(set);
    expect(isMemberOf(set, makePod(set, 7, rev))).toBe(true);
    expect(isMemberOf(set, { metadata: { name: 'webby-1' } })).toBe(false);
    expect([1, 2, 3, 4].map((o) => podInOrdinalRange(makePod(set, o, rev), set))).toEqual([false, true, true, false]);
  });
});

describe('identity and storage', () => {
  it('a new pod matches both; a renamed label or a lost volume does not', () => {
    const set = makeSet();
    const pod = newStatefulSetPod(set, 1);
    expect(identityMatches(set, pod)).toBe(true);
    expect(storageMatches(set, pod)).toBe(true);
    const relabelled = { ...pod, metadata: { ...pod.metadata, labels: { app: 'nginx' } } };
    expect(identityMatches(set, relabelled)).toBe(false);
    expect(identityMatches(set, withIdentity(set, relabelled))).toBe(true);
    const noVolumes = { ...pod, spec: { containers: [], volumes: [{ name: 'www', emptyDir: {} }, { name: 'tmp', emptyDir: {} }] } };
    expect(storageMatches(set, noVolumes)).toBe(false);
    expect(withStorage(set, noVolumes).spec?.volumes).toEqual([
      { name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } },
      { name: 'tmp', emptyDir: {} },
    ]);
  });

  it('claims copy the template and add the selector\'s labels', () => {
    const set = makeSet();
    const t = set.spec?.volumeClaimTemplates?.[0];
    if (t?.metadata !== undefined) t.metadata.labels = { tier: 'db', app: 'other' };
    const [c] = claimsForPod(set, newStatefulSetPod(set, 0));
    expect(c?.template).toBe('www');
    expect(c?.claim.metadata).toEqual({ name: 'www-web-0', namespace: 'default', labels: { tier: 'db', app: 'nginx' } });
    expect(c?.claim.spec).toEqual(t?.spec);
  });

  it('a set without a serviceName gives its pods no subdomain', () => {
    const set = makeSet();
    if (set.spec !== undefined) set.spec.serviceName = '';
    expect(newStatefulSetPod(set, 0).spec?.subdomain).toBeUndefined();
  });
});
