import { describe, expect, it } from 'vitest';
import { InvalidObjectError } from './atoms.ts';
import { FieldSet, fieldSetOf } from './field-set.ts';
import { extractItems, mergeObjects, pruneDropped, removeItems } from './merge.ts';
import { keyElement, makePath, valueElement } from './path.ts';
import { CONFIG_MAP, POD } from './type-fixtures.ts';
import type { TypeRef } from './type-info.ts';
import { atomicList, DEDUCED, mapList, mapOf, SCALAR, struct } from './type-info.ts';
import { validateObject } from './validate.ts';

const parse = (s: string): unknown => JSON.parse(s);

// The "associative list" schema of structured-merge-diff's merge tests: a list keyed by
// (key, id), and an atomic list of strings.
const KEYED = struct({
  list: mapList(['key', 'id'], struct({ key: SCALAR, id: SCALAR, value: mapOf(SCALAR), bv: SCALAR, nv: SCALAR })),
  atomicList: atomicList(SCALAR),
});
const INNER_MAP = struct({ inner: mapOf(DEDUCED) });

describe('mergeObjects', () => {
  // [live, applied, merged]: upstream's merge vectors, which pin the list ordering rules.
  it.each<[string, TypeRef, string, string, string]>([
    ['same item', KEYED, '{"list":[{"key":"a","id":1,"value":{"a":"a"}}]}', '{"list":[{"key":"a","id":1,"value":{"a":"a"}}]}', '{"list":[{"key":"a","id":1,"value":{"a":"a"}}]}'],
    ['new key goes after', KEYED, '{"list":[{"key":"a","id":1,"value":{"a":"a"}}]}', '{"list":[{"key":"a","id":2,"value":{"a":"a"}}]}', '{"list":[{"key":"a","id":1,"value":{"a":"a"}},{"key":"a","id":2,"value":{"a":"a"}}]}'],
    ['live items stay, new appended', KEYED, '{"list":[{"key":"a","id":1},{"key":"b","id":1}]}', '{"list":[{"key":"a","id":1},{"key":"a","id":2}]}', '{"list":[{"key":"a","id":1},{"key":"b","id":1},{"key":"a","id":2}]}'],
    ['applied order around a shared item', KEYED, '{"list":[{"key":"b","id":2}]}', '{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}', '{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}'],
    ['applied reorders shared items', KEYED, '{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}', '{"list":[{"key":"c","id":3},{"key":"b","id":2}]}', '{"list":[{"key":"a","id":1},{"key":"c","id":3},{"key":"b","id":2}]}'],
    ['unshared live item keeps its place', KEYED, '{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}', '{"list":[{"key":"c","id":3},{"key":"a","id":1}]}', '{"list":[{"key":"b","id":2},{"key":"c","id":3},{"key":"a","id":1}]}'],
    ['atomic list replaced by null', KEYED, '{"atomicList":["a","a","a"]}', '{"atomicList":null}', '{"atomicList":null}'],
    ['atomic list replaced by empty', KEYED, '{"atomicList":["a","b","c"]}', '{"atomicList":[]}', '{"atomicList":[]}'],
    ['atomic list replaced', KEYED, '{"atomicList":["a","a","a"]}', '{"atomicList":["a","a"]}', '{"atomicList":["a","a"]}'],
    ['live duplicates are replaced by the applied item', KEYED, '{"list":[{"key":"a","id":1,"bv":true},{"key":"b","id":2},{"key":"a","id":1,"bv":false,"nv":2}]}', '{"list":[{"key":"a","id":1,"nv":3},{"key":"c","id":3},{"key":"b","id":2}]}', '{"list":[{"key":"a","id":1,"nv":3},{"key":"c","id":3},{"key":"b","id":2}]}'],
    ['live duplicates survive an empty list', KEYED, '{"list":[{"key":"a","id":1,"nv":1},{"key":"a","id":1,"nv":2}]}', '{"list":[]}', '{"list":[{"key":"a","id":1,"nv":1},{"key":"a","id":1,"nv":2}]}'],
    ['live duplicates survive an absent list', KEYED, '{"list":[{"key":"a","id":1,"nv":1},{"key":"a","id":1,"nv":2}]}', '{}', '{"list":[{"key":"a","id":1,"nv":1},{"key":"a","id":1,"nv":2}]}'],
    ['empty map applied', INNER_MAP, '{}', '{"inner":{}}', '{"inner":{}}'],
    ['null applied', INNER_MAP, '{}', '{"inner":null}', '{"inner":null}'],
    ['empty over null', INNER_MAP, '{"inner":null}', '{"inner":{}}', '{"inner":{}}'],
    ['null over empty', INNER_MAP, '{"inner":{}}', '{"inner":null}', '{"inner":null}'],
    ['scalar replaces a deduced map', DEDUCED, '{"a":{"b":1}}', '{"a":2}', '{"a":2}'],
    ['deduced maps merge by key', DEDUCED, '{"a":{"b":1,"c":[1]}}', '{"a":{"d":true,"c":[2]}}', '{"a":{"b":1,"c":[2],"d":true}}'],
  ])('%s', (_name, type, live, applied, want) => {
    expect(mergeObjects(parse(live), parse(applied), type)).toEqual(parse(want));
  });

  it('merges containers by name, ports by containerPort+protocol, env by name; unions sets; replaces args', () => {
    const live = {
      metadata: { finalizers: ['a.example/x'], labels: { app: 'web', tier: 'front' } },
      spec: {
        containers: [
          { name: 'web', image: 'nginx:1.26', args: ['--a', '--b'], ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
    };
    const applied = {
      metadata: { finalizers: ['b.example/y', 'a.example/x'], labels: { app: 'web2' } },
      spec: {
        containers: [{
          name: 'web', image: 'nginx:1.27', args: ['--c'],
          ports: [{ containerPort: 80, name: 'web' }, { containerPort: 80, protocol: 'UDP' }],
          env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }],
        }],
      },
    };
    expect(mergeObjects(live, applied, POD)).toEqual({
      metadata: { finalizers: ['b.example/y', 'a.example/x'], labels: { app: 'web2', tier: 'front' } },
      spec: {
        containers: [
          {
            name: 'web', image: 'nginx:1.27', args: ['--c'],
            // containerPort 80 without protocol is the TCP port (the key's default).
            ports: [{ containerPort: 80, protocol: 'TCP', name: 'web' }, { containerPort: 80, protocol: 'UDP' }],
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }],
          },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
    });
  });

  it('keeps the live order of a set unless the applied configuration reorders shared values', () => {
    const live = { metadata: { finalizers: ['x', 'y', 'z'] } };
    expect(mergeObjects(live, { metadata: { finalizers: ['w'] } }, CONFIG_MAP)).toEqual({ metadata: { finalizers: ['x', 'y', 'z', 'w'] } });
    expect(mergeObjects(live, { metadata: { finalizers: ['z', 'x'] } }, CONFIG_MAP)).toEqual({ metadata: { finalizers: ['y', 'z', 'x'] } });
  });

  it('replaces atomic maps whole (nodeSelector) and merges granular ones (resources.limits)', () => {
    const live = { spec: { nodeSelector: { a: '1', b: '2' }, containers: [{ name: 'c', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } };
    const applied = { spec: { nodeSelector: { c: '3' }, containers: [{ name: 'c', resources: { limits: { cpu: '2' } } }] } };
    expect(mergeObjects(live, applied, POD)).toEqual({
      spec: { nodeSelector: { c: '3' }, containers: [{ name: 'c', resources: { limits: { cpu: '2', memory: '1Gi' } } }] },
    });
  });

  it.each<[string, unknown, string]>([
    ['duplicate keys in the applied list', { spec: { containers: [{ name: 'a' }, { name: 'a' }] } }, '.spec.containers: duplicate entries for key [name="a"]'],
    ['an item without its key', { spec: { containers: [{ image: 'x' }] } }, '.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)'],
    ['a map in a set', { metadata: { finalizers: [{ a: 1 }] } }, ".metadata.finalizers: element 0: associative list without keys has an element that's a map type"],
    ['a list where a map belongs', { spec: { nodeSelector: ['x'] } }, '.spec.nodeSelector: expected map, got list'],
  ])('rejects %s', (_name, applied, message) => {
    expect(() => mergeObjects({}, applied, POD)).toThrow(InvalidObjectError);
    expect(() => mergeObjects({}, applied, POD)).toThrow(message);
    expect(() => { validateObject(applied, POD); }).toThrow(message);
  });

  it('validates live objects with duplicates allowed and reports every problem', () => {
    const live = { spec: { containers: [{ name: 'a' }, { name: 'a' }] } };
    expect(() => { validateObject(live, POD, { allowDuplicates: true }); }).not.toThrow();
    expect(() => { validateObject({ spec: { nodeSelector: 1, tolerations: {} } }, POD); })
      .toThrow('errors:\n  .spec.nodeSelector: expected map, got number\n  .spec.tolerations: expected list, got map');
  });
});

describe('removeItems / extractItems', () => {
  const pod = {
    metadata: { labels: { a: '1', b: '2' }, finalizers: ['x', 'y'] },
    spec: { containers: [{ name: 'c1', image: 'i1', args: ['a'] }, { name: 'c2', image: 'i2' }] },
  };
  const c1 = keyElement({ name: 'c1' });

  it('removes a whole keyed item, a set value, a free key, a field inside an item', () => {
    const items = FieldSet.of(
      makePath('spec', 'containers', keyElement({ name: 'c2' })),
      makePath('metadata', 'finalizers', valueElement('x')),
      makePath('metadata', 'labels', 'a'),
      makePath('spec', 'containers', c1, 'args'),
    );
    expect(removeItems(pod, items, POD)).toEqual({
      metadata: { labels: { b: '2' }, finalizers: ['y'] },
      spec: { containers: [{ name: 'c1', image: 'i1' }] },
    });
  });

  it('leaves null where everything under an unnamed container went (upstream behaviour)', () => {
    expect(removeItems(pod, FieldSet.of(makePath('metadata', 'labels', 'a'), makePath('metadata', 'labels', 'b')), POD))
      .toEqual({ ...pod, metadata: { labels: null, finalizers: ['x', 'y'] } });
  });

  it('extracts only the named items', () => {
    const items = FieldSet.of(makePath('spec', 'containers', c1, 'image'), makePath('metadata', 'labels', 'b'));
    expect(extractItems(pod, items, POD)).toEqual({ metadata: { labels: { b: '2' } }, spec: { containers: [{ image: 'i1' }] } });
  });
});

describe('pruneDropped', () => {
  const deployment = (containers: unknown[]): Record<string, unknown> => ({ spec: { containers } });
  const set = (obj: unknown): FieldSet => fieldSetOf(obj, POD);

  it('removes an item the applier dropped when nobody else owns it', () => {
    const last = deployment([{ name: 'a' }, { name: 'b' }]);
    const now = deployment([{ name: 'a' }]);
    const merged = mergeObjects(last, now, POD);
    expect(pruneDropped(merged, POD, set(last), set(now))).toEqual(deployment([{ name: 'a' }]));
  });

  it('keeps an item another manager owns', () => {
    const last = deployment([{ name: 'a' }, { name: 'b' }]);
    const now = deployment([{ name: 'a' }]);
    const other = set(deployment([{ name: 'b' }]));
    expect(pruneDropped(mergeObjects(last, now, POD), POD, set(last), set(now).union(other))).toEqual(last);
  });

  it('removes a dropped field, the whole declared parent when it empties', () => {
    const last = { spec: { containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '1' } } }] } };
    const now = { spec: { containers: [{ name: 'a', image: 'x' }] } };
    expect(pruneDropped(mergeObjects(last, now, POD), POD, set(last), set(now))).toEqual(now);
  });

  it('does not remove what the applier never owned', () => {
    const live = { spec: { containers: [{ name: 'a', image: 'x', stdin: true }] } };
    const last = { spec: { containers: [{ name: 'a', image: 'x', tty: true }] } };
    const now = { spec: { containers: [{ name: 'a', image: 'x' }] } };
    const merged = mergeObjects({ spec: { containers: [{ name: 'a', image: 'x', stdin: true, tty: true }] } }, now, POD);
    expect(pruneDropped(merged, POD, set(last), set(now))).toEqual(live);
  });
});
