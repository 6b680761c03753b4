import { describe, expect, it } from 'vitest';
import { ensureNamedFieldsAreMembers, FieldSet, fieldSetOf } from './field-set.ts';
import type { Path, PathElement } from './path.ts';
import {
  comparePathElements, fieldElement, indexElement, keyElement, makePath, parsePathElement, pathString,
  serializePathElement, valueElement,
} from './path.ts';
import { CONFIG_MAP, DEPLOYMENT, emptyObject, POD } from './type-fixtures.ts';
import { compareObjects } from './compare.ts';
import { DEDUCED } from './type-info.ts';

const v = valueElement;
const set = (...paths: Path[]): FieldSet => FieldSet.of(...paths);
const json = (s: FieldSet): string => s.toFieldsV1Json();

describe('path elements', () => {
  // FieldsV1 keys and the elements they stand for (structured-merge-diff's serialize-pe vectors).
  it.each<[string, PathElement]>([
    ['i:0', indexElement(0)],
    ['i:1234', indexElement(1234)],
    ['f:', fieldElement('')],
    ['f:spec', fieldElement('spec')],
    ['f: string-with-spaces   ', fieldElement(' string-with-spaces   ')],
    ['f:spec-🚀', fieldElement('spec-🚀')],
    ['f:spec-\\n', fieldElement('spec-\\n')],
    ['k:{"name":"my-container"}', keyElement({ name: 'my-container' })],
    ['k:{"port":"8080","protocol":"TCP"}', keyElement({ protocol: 'TCP', port: '8080' })],
    ['k:{"containerPort":80,"protocol":"TCP"}', keyElement({ protocol: 'TCP', containerPort: 80 })],
    ['k:{"optionalField":null}', keyElement({ optionalField: null })],
    ['k:{"jsonField":{"A":1,"B":null,"C":"D","E":{"F":"G"}}}', keyElement({ jsonField: { E: { F: 'G' }, C: 'D', B: null, A: 1 } })],
    ['k:{"listField":["1","2","3"]}', keyElement({ listField: ['1', '2', '3'] })],
    ['k:{"name":"app-🚀"}', keyElement({ name: 'app-🚀' })],
    ['k:{"name":"你好世界"}', keyElement({ name: '你好世界' })],
    ['v:null', v(null)],
    ['v:"some-string"', v('some-string')],
    ['v:1234', v(1234)],
    ['v:true', v(true)],
    ['v:{"some":"json"}', v({ some: 'json' })],
    // Go's JSON encoder escapes HTML characters inside values.
    ['v:"a\\u003cb\\u003e\\u0026"', v('a<b>&')],
    ['v:"tab\\tnew\\nline\\u0008"', v('tab\tnew\nline\b')],
  ])('%s', (key, pe) => {
    expect(serializePathElement(pe)).toBe(key);
    expect(comparePathElements(parsePathElement(key), pe)).toBe(0);
  });

  it.each([
    ['k: {"name":"my-container"}', keyElement({ name: 'my-container' })],
    ['v:{"some":"json"} ', v({ some: 'json' })],
    ['k:{ "protocol":"udp","port":443}', keyElement({ port: 443, protocol: 'udp' })],
    ['k:{"name-\\ud83d\\ude80":"my-container"}', keyElement({ 'name-🚀': 'my-container' })],
    ['v:"\\u4f60\\u597d"', v('你好')],
  ])('parses the non-canonical %s', (key, pe) => {
    expect(comparePathElements(parsePathElement(key), pe)).toBe(0);
  });

  it.each(['', 'no-colon', 'i:index is not a number', 'i:1.23', 'i:', 'i: 0', 'i:0 ', 'v:invalid json', 'v:',
    'k:invalid json', 'k:{"name":invalid}', 'v', 'k', 'f', 'i', 'v:{"a":"b"', 'k:{"a":"b"',
    'v:{"some":"json"} {"other":"json"}', 'k:{"name":"c"} garbage', 'k:"not an object"'])('rejects %j', (key) => {
    expect(() => parsePathElement(key)).toThrow();
  });

  it('orders field names < keys < values < indexes, values numbers < strings < booleans', () => {
    const sorted = [
      fieldElement('a'), fieldElement('b'),
      keyElement({ name: 'a' }), keyElement({ name: 'b' }), keyElement({ port: 443, protocol: 'tcp' }),
      v(1), v(2.5), v(3), v('aa'), v('ab'), v(false), v(true), v(['x']), v({ k: 1 }), v(null),
      indexElement(0), indexElement(2),
    ];
    const shuffled = [...sorted].reverse();
    shuffled.sort(comparePathElements);
    expect(shuffled.map(serializePathElement)).toEqual(sorted.map(serializePathElement));
  });

  it('orders strings by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF5E is one UTF-16 unit above the surrogates of U+1F680, but below it as a code point.
    expect(comparePathElements(fieldElement('\uff5e'), fieldElement('🚀'))).toBe(-1);
  });

  it.each<[string, Path]>([
    ['.spec.replicas', makePath('spec', 'replicas')],
    ['.spec.containers[name="nginx"].image', makePath('spec', 'containers', { name: 'nginx' }, 'image')],
    ['.spec.ports[containerPort=80,protocol="TCP"]', makePath('spec', 'ports', { protocol: 'TCP', containerPort: 80 })],
    ['.metadata.finalizers[="example.com/f"]', makePath('metadata', 'finalizers', v('example.com/f'))],
    ['.spec.args[0]', makePath('spec', 'args', 0)],
    ['.a[=1.5]', makePath('a', v(1.5))],
    ['.a[name="tab\\there"]', makePath('a', { name: 'tab\there' })],
  ])('prints %s', (text, path) => {
    expect(pathString(path)).toBe(text);
  });
});

describe('FieldsV1', () => {
  // structured-merge-diff's golden data: already canonical, so it must come back byte for byte.
  it.each([
    '{"f:aaa":{},"f:aab":{},"f:aac":{},"f:aad":{},"f:aae":{},"f:aaf":{},"k:{\\"name\\":\\"first\\"}":{},"k:{\\"name\\":\\"second\\"}":{},"k:{\\"port\\":443,\\"protocol\\":\\"tcp\\"}":{},"k:{\\"port\\":443,\\"protocol\\":\\"udp\\"}":{},"v:1":{},"v:2":{},"v:3":{},"v:\\"aa\\"":{},"v:\\"ab\\"":{},"v:true":{},"i:1":{},"i:2":{},"i:3":{},"i:4":{}}',
    '{"f:aaa":{"k:{\\"name\\":\\"second\\"}":{"v:3":{"f:aab":{}}},"v:3":{},"v:true":{}},"f:aab":{"f:aaa":{},"f:aaf":{"k:{\\"port\\":443,\\"protocol\\":\\"udp\\"}":{"k:{\\"port\\":443,\\"protocol\\":\\"tcp\\"}":{}}},"k:{\\"name\\":\\"first\\"}":{}},"f:aac":{"f:aaa":{"v:1":{}},"f:aac":{},"v:3":{"k:{\\"name\\":\\"second\\"}":{}}},"f:aad":{"f:aac":{"v:1":{}},"f:aaf":{"k:{\\"name\\":\\"first\\"}":{"k:{\\"name\\":\\"first\\"}":{}}},"i:1":{"i:1":{},"i:3":{"v:true":{}}}},"f:aae":{"f:aae":{},"k:{\\"port\\":443,\\"protocol\\":\\"tcp\\"}":{"k:{\\"port\\":443,\\"protocol\\":\\"udp\\"}":{}},"i:4":{"f:aaf":{}}},"f:aaf":{"i:1":{"f:aac":{}},"i:2":{},"i:3":{}},"k:{\\"name\\":\\"first\\"}":{"f:aad":{"f:aaf":{}}},"k:{\\"port\\":443,\\"protocol\\":\\"tcp\\"}":{"f:aaa":{"f:aad":{}}},"k:{\\"port\\":443,\\"protocol\\":\\"udp\\"}":{"f:aac":{},"k:{\\"name\\":\\"first\\"}":{"i:3":{}},"k:{\\"port\\":443,\\"protocol\\":\\"udp\\"}":{"i:4":{}}},"v:1":{"f:aac":{"i:4":{}},"f:aaf":{},"k:{\\"port\\":443,\\"protocol\\":\\"tcp\\"}":{}},"v:2":{"f:aad":{"f:aaf":{}},"i:1":{}},"v:3":{"f:aaa":{},"k:{\\"name\\":\\"first\\"}":{},"i:2":{}},"v:\\"aa\\"":{"f:aab":{"f:aaf":{}},"f:aae":{},"k:{\\"name\\":\\"first\\"}":{"f:aad":{}},"i:2":{}},"v:\\"ab\\"":{"f:aaf":{"i:4":{}},"k:{\\"port\\":443,\\"protocol\\":\\"tcp\\"}":{},"k:{\\"port\\":443,\\"protocol\\":\\"udp\\"}":{},"v:1":{"k:{\\"port\\":443,\\"protocol\\":\\"udp\\"}":{}},"i:1":{"f:aae":{"i:4":{}}}},"v:true":{"k:{\\"name\\":\\"second\\"}":{"f:aaa":{}},"i:2":{"k:{\\"port\\":443,\\"protocol\\":\\"tcp\\"}":{}}},"i:1":{"i:3":{"f:aaf":{}}},"i:2":{"f:aae":{},"k:{\\"port\\":443,\\"protocol\\":\\"tcp\\"}":{"v:1":{}}},"i:3":{"f:aab":{"v:true":{"v:\\"aa\\"":{}}},"f:aaf":{},"i:1":{}},"i:4":{"v:\\"aa\\"":{"f:aab":{"k:{\\"name\\":\\"second\\"}":{}}}}}',
    '{"f:spec":{".":{},"f:apps":{".":{},"k:{\\"name\\":\\" app-💻\\"}":{".":{},"f:container":{".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\\"name\\":\\"port 🔑\\"}":{".":{},"f:containerPort":{},"f:name":{}}}},"f:name":{}},"k:{\\"name\\":\\" app-🚀\\"}":{".":{},"f:container":{".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\\"name\\":\\"port-✅ \\"}":{".":{},"f:containerPort":{},"f:name":{}}}},"f:name":{}}}}}',
  ])('round-trips golden %#', (text) => {
    const s = FieldSet.fromFieldsV1(text);
    expect(json(s)).toBe(text);
    expect(JSON.stringify(s.toFieldsV1())).toBe(text);
    expect(FieldSet.fromFieldsV1(s.toFieldsV1()).equals(s)).toBe(true);
  });

  // managedFields entries as kube's documentation shows them (server-side-apply.md), written by
  // hand in documentation order; the API server stores them in canonical order.
  it.each<[string, string, Path[]]>([
    [
      'the ConfigMap applied by kubectl',
      '{"f:metadata":{"f:labels":{"f:test-label":{}}},"f:data":{"f:key":{}}}',
      [makePath('metadata', 'labels', 'test-label'), makePath('data', 'key')],
    ],
    [
      'the custom resource whose spec.data was atomic',
      '{"f:spec":{"f:data":{}}}',
      [makePath('spec', 'data')],
    ],
  ])('reads %s', (_name, text, paths) => {
    const s = FieldSet.fromFieldsV1(text);
    expect(s.equals(set(...paths))).toBe(true);
    expect(FieldSet.fromFieldsV1(json(s)).equals(s)).toBe(true);
  });

  it('writes the documented ConfigMap entry in canonical order', () => {
    expect(json(set(makePath('metadata', 'labels', 'test-label'), makePath('data', 'key'))))
      .toBe('{"f:data":{"f:key":{}},"f:metadata":{"f:labels":{"f:test-label":{}}}}');
  });

  it('marks an element that is both owned and has owned children with "."', () => {
    const s = set(makePath('spec', 'containers', { name: 'c' }), makePath('spec', 'containers', { name: 'c' }, 'image'));
    expect(json(s)).toBe('{"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{}}}}}');
  });

  it.each<[string, string]>([
    ['an empty object is a member', '{"f:a":{}}'],
    ['"." alone is a member', '{"f:a":{".":{}}}'],
    ['null reads as {}', '{"f:a":null}'],
  ])('%s', (_name, text) => {
    expect(FieldSet.fromFieldsV1(text).equals(set(makePath('a')))).toBe(true);
  });

  it('drops keys of unknown kinds, as upstream (a newer writer may use them)', () => {
    expect(json(FieldSet.fromFieldsV1('{"f:a":{},"r:future":{},"f:b":{"r:x":{}}}'))).toBe('{"f:a":{},"f:b":{}}');
  });

  it('sorts keys written out of order and merges keys written twice', () => {
    const s = FieldSet.fromFieldsV1('{"v:2":{},"f:b":{},"k:{\\"protocol\\":\\"udp\\",\\"port\\":443}":{},"f:a":{},"i:1":{}}');
    expect(json(s)).toBe('{"f:a":{},"f:b":{},"k:{\\"port\\":443,\\"protocol\\":\\"udp\\"}":{},"v:2":{},"i:1":{}}');
  });

  it.each(['[]', '"x"', '{"f:a":1}', '{"i:x":{}}', 'not json'])('rejects %s', (text) => {
    expect(() => FieldSet.fromFieldsV1(text)).toThrow();
  });

  it('reads {} as the empty set', () => {
    expect(FieldSet.fromFieldsV1('{}').empty()).toBe(true);
    expect(json(FieldSet.EMPTY)).toBe('{}');
  });
});

describe('set algebra', () => {
  const a = makePath('a');
  const ab = makePath('a', 'b');
  const ac = makePath('a', 'c');
  const d = makePath('d');
  const de = makePath('d', 'e');
  type Op = 'union' | 'intersection' | 'difference' | 'recursiveDifference';
  it.each<[string, Op, Path[], Path[], Path[]]>([
    ['union merges levels', 'union', [ab, d], [ac, a], [a, ab, ac, d]],
    ['intersection keeps common paths', 'intersection', [a, ab, ac], [ab, d], [ab]],
    ['intersection drops emptied children', 'intersection', [ab], [ac], []],
    ['difference removes members', 'difference', [a, ab, d], [a, d], [ab]],
    ['difference does not reach below a member', 'difference', [ab, ac], [a], [ab, ac]],
    ['difference subtracts inside children', 'difference', [ab, ac, de], [ab], [ac, de]],
    ['recursive difference removes everything under a member', 'recursiveDifference', [ab, ac, de], [a], [de]],
    ['recursive difference subtracts inside children', 'recursiveDifference', [ab, ac, de], [ac, makePath('d', 'x')], [ab, de]],
  ])('%s', (_name, op, left, right, want) => {
    const got = set(...left)[op](set(...right));
    expect(got.equals(set(...want))).toBe(true);
    expect(got.paths().map(pathString)).toEqual(set(...want).paths().map(pathString));
  });

  it('has, size, empty, leaves, withPrefix', () => {
    const s = set(a, ab, ac, de);
    expect(s.has(ab)).toBe(true);
    expect(s.has(makePath('a', 'x'))).toBe(false);
    expect(s.has(makePath('d'))).toBe(false);
    expect(s.size()).toBe(4);
    expect(s.empty()).toBe(false);
    expect(FieldSet.EMPTY.empty()).toBe(true);
    expect(s.leaves().equals(set(ab, ac, de))).toBe(true);
    expect(s.withPrefix(fieldElement('a')).equals(set(makePath('b'), makePath('c')))).toBe(true);
    expect(s.withPrefix(fieldElement('zzz')).empty()).toBe(true);
  });

  it('iterates members before children, each level in element order', () => {
    const s = set(makePath('spec', 'template', 'x'), makePath('spec', 'replicas'), makePath('metadata', 'labels', 'a'));
    expect(s.toString()).toBe('.metadata.labels.a\n.spec.replicas\n.spec.template.x');
  });
});

describe('fieldSetOf (the fields an object sets)', () => {
  const configMap = {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } },
    data: { key: 'some value' },
  };

  it.each<[string, unknown, string]>([
    [
      'the documented ConfigMap: free keys of labels and data, identity fields too (stripped later)',
      configMap,
      '{"f:apiVersion":{},"f:data":{"f:key":{}},"f:kind":{},"f:metadata":{"f:labels":{"f:test-label":{}},"f:name":{},"f:namespace":{}}}',
    ],
    [
      'an empty map is a leaf; null too; an empty list sets nothing',
      { metadata: { labels: {}, annotations: null, finalizers: [] } },
      '{"f:metadata":{"f:annotations":{},"f:labels":{}}}',
    ],
    [
      'sets by value; duplicated values once, with nothing below',
      { metadata: { finalizers: ['b', 'a', 'b'] } },
      '{"f:metadata":{"f:finalizers":{"v:\\"a\\"":{},"v:\\"b\\"":{}}}}',
    ],
    [
      'owner references are atomic items of a map-list keyed by uid',
      { metadata: { ownerReferences: [{ uid: 'u1', kind: 'ReplicaSet', name: 'rs' }] } },
      '{"f:metadata":{"f:ownerReferences":{"k:{\\"uid\\":\\"u1\\"}":{}}}}',
    ],
  ])('%s', (_name, obj, want) => {
    expect(json(fieldSetOf(obj, CONFIG_MAP))).toBe(want);
  });

  it('keys containers by name, ports by containerPort+protocol (TCP by default), env by name; args atomic', () => {
    const pod = {
      spec: {
        containers: [{
          name: 'nginx', image: 'nginx:1.27', args: ['-g', 'daemon off;'],
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP', name: 'dns' }],
          env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          resources: { limits: { cpu: '1' } },
        }],
        nodeSelector: { disk: 'ssd' },
        tolerations: [{ key: 'k', operator: 'Exists' }],
      },
    };
    expect(fieldSetOf(pod, POD).toFieldsV1()).toEqual({
      'f:spec': {
        'f:containers': {
          'k:{"name":"nginx"}': {
            '.': {},
            'f:args': {},
            'f:env': {
              'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} },
              'k:{"name":"B"}': { '.': {}, 'f:name': {}, 'f:valueFrom': { 'f:fieldRef': {} } },
            },
            'f:image': {},
            'f:name': {},
            'f:ports': {
              'k:{"containerPort":53,"protocol":"UDP"}': { '.': {}, 'f:containerPort': {}, 'f:name': {}, 'f:protocol': {} },
              'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
            },
            'f:resources': { 'f:limits': { 'f:cpu': {} } },
          },
        },
        'f:nodeSelector': {},
        'f:tolerations': {},
      },
    });
  });

  it('marks every key of deduced (schemaless) maps, lists are atomic', () => {
    const cr = { spec: { a: { b: 1, c: [1, 2] }, d: 'x' } };
    expect(json(fieldSetOf(cr, DEDUCED))).toBe('{"f:spec":{".":{},"f:a":{".":{},"f:b":{},"f:c":{}},"f:d":{}}}');
  });

  it('ensureNamedFieldsAreMembers makes declared fields with children members, not free keys', () => {
    const s = set(makePath('metadata', 'labels', 'app'), makePath('spec', 'containers', { name: 'c' }, 'resources', 'limits', 'cpu'));
    const named = ensureNamedFieldsAreMembers(s, POD);
    expect(named.toString().split('\n')).toEqual([
      '.metadata',
      '.spec',
      '.metadata.labels',
      '.metadata.labels.app',
      '.spec.containers',
      '.spec.containers[name="c"].resources',
      '.spec.containers[name="c"].resources.limits',
      '.spec.containers[name="c"].resources.limits.cpu',
    ]);
  });

  // A create records what changed from the kind's zero object: a container that did not exist
  // there gets ".", one that did (spec, strategy, template.metadata) does not. This is the
  // Update entry kube writes for `kubectl create -f nginx-deployment.yaml` after defaulting.
  it('reproduces the managedFields of a created Deployment', () => {
    const deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' }, uid: 'u', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'nginx' } },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'nginx' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80, protocol: 'TCP' }] }], restartPolicy: 'Always' },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        progressDeadlineSeconds: 600, revisionHistoryLimit: 10,
      },
      status: {},
    };
    const c = compareObjects(emptyObject('Deployment'), deployment, DEPLOYMENT);
    const owned = c.added.union(c.modified).difference(set(
      makePath('apiVersion'), makePath('kind'), makePath('metadata'), makePath('metadata', 'name'),
      makePath('metadata', 'namespace'), makePath('metadata', 'uid'), makePath('metadata', 'creationTimestamp'),
    ));
    expect(json(owned)).toBe(
      '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},'
      + '"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},'
      + '"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},'
      + '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:name":{},"f:ports":'
      + '{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}},'
      + '"f:restartPolicy":{}}}}}',
    );
  });
});
