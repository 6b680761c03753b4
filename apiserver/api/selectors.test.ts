import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.ts';
import { labelSelectorFromObject, parseFieldSelector, parseLabelSelector, selectableFields } from './selectors.ts';

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status.code).toBe(400);
    expect(e.status.reason).toBe('BadRequest');
    return e.message;
  }
  throw new Error('expected an error');
}

describe('label selectors', () => {
  it('parses and matches the grammar', () => {
    const web = { app: 'web', tier: 'fe' };
    const cases: [string, Record<string, string> | undefined, boolean][] = [
      ['', web, true],
      ['app=web', web, true],
      ['app==web', web, true],
      ['app=db', web, false],
      ['app!=db', web, true],
      ['missing!=db', web, true],
      ['app in (web,db)', web, true],
      ['app in (db)', web, false],
      ['app notin (db)', web, true],
      ['missing notin (db)', web, true],
      ['app notin (web)', web, false],
      ['app', web, true],
      ['!app', web, false],
      ['!missing', web, true],
      ['app=web,tier!=db', web, true],
      ['app=web, tier=be', web, false],
      ['  app = web  ', web, true],
      ['x=', { x: '' }, true],
      ['x=', { y: '' }, false],
      ['x in (,a)', { x: '' }, true],
      ['x in ()', { x: '' }, true],
      ['n>3', { n: '4' }, true],
      ['n<3', { n: '4' }, false],
      ['n>3', { n: 'four' }, false],
      ['app', undefined, false],
      ['!app', undefined, true],
      ['in in (in)', { in: 'in' }, true],
    ];
    for (const [sel, labels, want] of cases) {
      expect(parseLabelSelector(sel).matches(labels), `${sel} on ${JSON.stringify(labels)}`).toBe(want);
    }
  });

  it('sorts requirements by key and values', () => {
    expect(parseLabelSelector('z in (b,a,b),a').requirements).toEqual([
      { key: 'a', operator: 'exists', values: [] },
      { key: 'z', operator: 'in', values: ['a', 'b'] },
    ]);
  });

  it('reports syntax errors with apimachinery wording', () => {
    expect(badRequest(() => parseLabelSelector('a in b'))).toBe("unable to parse requirement: found 'b' expected: '('");
    expect(badRequest(() => parseLabelSelector('a=b,'))).toBe("found '', expected: identifier after ','");
    expect(badRequest(() => parseLabelSelector('a=b c'))).toBe("found 'c', expected: ',' or 'end of string'");
    expect(badRequest(() => parseLabelSelector('=b'))).toBe("found '=', expected: !, identifier, or 'end of string'");
    expect(badRequest(() => parseLabelSelector('a b'))).toBe(
      "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    expect(badRequest(() => parseLabelSelector('a in (b'))).toBe("unable to parse requirement: found '', expected: ',' or ')'");
    expect(badRequest(() => parseLabelSelector('a=(b'))).toBe("unable to parse requirement: found '(', expected: identifier");
    expect(badRequest(() => parseLabelSelector('a>b'))).toBe(
      "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer");
  });

  it('validates keys and values', () => {
    expect(badRequest(() => parseLabelSelector('Foo%=x'))).toBe(
      'unable to parse requirement: <nil>: Invalid value: "Foo%": name part must consist of alphanumeric characters, ' +
      "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or " +
      "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
    expect(badRequest(() => parseLabelSelector('app=we$b'))).toBe(
      'unable to parse requirement: values[0][app]: Invalid value: "we$b": a valid label must be an empty string or ' +
      "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
      "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  });

  it('builds matchers from LabelSelector objects', () => {
    const m = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }, { key: 'x', operator: 'DoesNotExist' }],
    });
    expect(m.matches({ app: 'web', tier: 'fe' })).toBe(true);
    expect(m.matches({ app: 'web', tier: 'db' })).toBe(false);
    expect(m.matches({ app: 'web', x: '1' })).toBe(false);
    expect(labelSelectorFromObject({}).matches({})).toBe(true);
    expect(labelSelectorFromObject(undefined).matches({})).toBe(false);
    expect(badRequest(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }))).toBe(
      '"Foo" is not a valid label selector operator');
    expect(badRequest(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }))).toBe(
      "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty");
  });
});

describe('field selectors', () => {
  const pod = {
    metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'node1', restartPolicy: 'Always' },
    status: { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }] },
  };

  it('matches pods the way describe node and the kubelet ask', () => {
    expect(parseFieldSelector('spec.nodeName=node1', 'Pod').matches(pod)).toBe(true);
    expect(parseFieldSelector('spec.nodeName==node2', 'Pod').matches(pod)).toBe(false);
    expect(parseFieldSelector('spec.nodeName=node1,status.phase!=Succeeded,status.phase!=Failed', 'Pod').matches(pod)).toBe(true);
    expect(parseFieldSelector('status.phase!=Running', 'Pod').matches(pod)).toBe(false);
    expect(parseFieldSelector('metadata.name=web,metadata.namespace=default', 'Pod').matches(pod)).toBe(true);
    expect(parseFieldSelector('status.podIP=10.0.0.5,spec.hostNetwork=false', 'Pod').matches(pod)).toBe(true);
    expect(parseFieldSelector('spec.host=node1', 'Pod').terms).toEqual([{ field: 'spec.nodeName', operator: '=', value: 'node1' }]);
    expect(parseFieldSelector('', 'Pod').matches(pod)).toBe(true);
    expect(parseFieldSelector('spec.nodeName=node1', 'Pod').requiresExactMatch('spec.nodeName')).toBe('node1');
  });

  it('matches events, including empty values', () => {
    const ev = {
      metadata: { name: 'node1.1', namespace: 'default' },
      involvedObject: { kind: 'Node', name: 'node1', uid: 'node1', namespace: '' },
      reason: 'Starting', type: 'Normal', source: { component: 'kubelet' },
    };
    expect(parseFieldSelector('involvedObject.kind=Node,involvedObject.uid=node1,involvedObject.name=node1,involvedObject.namespace=', 'Event').matches(ev)).toBe(true);
    expect(parseFieldSelector('source=kubelet,type=Normal,reason=Starting', 'Event').matches(ev)).toBe(true);
    expect(selectableFields('Event', ev)['involvedObject.namespace']).toBe('');
  });

  it('unescapes values', () => {
    const cm = { metadata: { name: 'a,b', namespace: 'x' } };
    expect(parseFieldSelector('metadata.name=a\\,b', 'ConfigMap').matches(cm)).toBe(true);
  });

  it('rejects unknown fields with the per-kind messages', () => {
    expect(badRequest(() => parseFieldSelector('spec.foo=x', 'Pod'))).toBe('field label not supported: spec.foo');
    expect(badRequest(() => parseFieldSelector('metadata.namespace=x', 'Node'))).toBe('field label not supported: metadata.namespace');
    expect(badRequest(() => parseFieldSelector('data.x=1', 'ConfigMap'))).toBe(
      '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"');
    expect(badRequest(() => parseFieldSelector('spec.holderIdentity=n', 'Lease'))).toBe(
      '"spec.holderIdentity" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });

  it('rejects malformed selectors', () => {
    expect(badRequest(() => parseFieldSelector('metadata.name', 'Pod'))).toBe(
      "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
    expect(badRequest(() => parseFieldSelector('metadata.name=a=b', 'Pod'))).toBe(
      'invalid field selector: unescaped character in value: 61');
    expect(badRequest(() => parseFieldSelector('metadata.name=a\\x', 'Pod'))).toBe(
      'invalid field selector: invalid escape sequence: \\x');
  });
});
