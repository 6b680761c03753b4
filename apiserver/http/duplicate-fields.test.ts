// Duplicate keys in JSON and YAML bodies: the tree the JSON scan gives (paths through objects and
// arrays, escapes, strings full of braces), goyaml's per-line words for YAML, and, through the
// decoder, the strict errors upstream's field validation tests expect for the same bodies.
import { describe, expect, it } from 'vitest';
import { decoderForKind, strictErrorMessage, type DuplicateTree } from '../../kube/schemas/decode.ts';
import { invalidDeploymentJSON, invalidDeploymentYAML } from '../testing/field-validation-bodies.ts';
import { jsonDuplicates, parseYamlDocument, yamlDuplicates } from './duplicate-fields.ts';

/** Every repeated key of a tree as a path (for assertions). */
function paths(tree: DuplicateTree | undefined, at = ''): string[] {
  if (tree === undefined) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  for (const k of tree.keys ?? []) {
    if (seen.has(k)) out.push(at === '' ? k : `${at}.${k}`);
    seen.add(k);
  }
  for (const [k, child] of tree.children ?? []) out.push(...paths(child, typeof k === 'number' ? `${at}[${k}]` : at === '' ? k : `${at}.${k}`));
  return out;
}

const invalidBodyJSON = invalidDeploymentJSON('dep');
const invalidBodyYAML = invalidDeploymentYAML('dep');

describe('jsonDuplicates', () => {
  it('finds nothing in a text without repeats, and does not allocate a tree for it', () => {
    expect(jsonDuplicates('{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}')).toBeUndefined();
    expect(jsonDuplicates('[1,2,3]')).toBeUndefined();
    expect(jsonDuplicates('"x"')).toBeUndefined();
  });

  it('gives the repeats with the way down to them, through objects and arrays', () => {
    const t = jsonDuplicates('{"a":1,"a":2,"b":{"c":[0,{"d":1,"d":2}],"e":{"f":1}},"g":[[{"h":1,"h":1}]]}');
    expect(paths(t)).toEqual(['a', 'b.c[1].d', 'g[0][0].h']);
    expect(t?.keys).toEqual(['a', 'a', 'b', 'g']);
  });

  it('reads keys with escapes and skips strings full of quotes, braces and commas', () => {
    const t = jsonDuplicates('{"x":"{\\"a\\":1,\\"a\\":2}","a\\u0062":1,"ab":2,"s":"\\\\","k":{"q\\"":1,"q\\"":2}}');
    expect(paths(t)).toEqual(['ab', 'k.q"']);
  });

  it('keeps every occurrence, in order, for the decoder to report each repeat where Go would', () => {
    const t = jsonDuplicates(invalidBodyJSON);
    expect(paths(t)).toEqual(['spec.unknownDupe', 'spec.paused', 'spec.template.spec.containers[0].imagePullPolicy']);
    const obj = JSON.parse(invalidBodyJSON) as Record<string, unknown>;
    const r = decoderForKind('apps', 'v1', 'Deployment')?.decode(obj, { strict: true, ...(t === undefined ? {} : { duplicates: t }) });
    expect(r?.strict.map(strictErrorMessage)).toEqual([
      'unknown field "spec.unknown1"',
      'unknown field "spec.unknownDupe"',
      'duplicate field "spec.paused"',
      'unknown field "spec.template.spec.containers[0].unknownNested"',
      'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
    ]);
  });
});

describe('yamlDuplicates', () => {
  it('words each repeat as goyaml\'s strict decoding does, with the line of its value', () => {
    const { doc, lines } = parseYamlDocument(invalidBodyYAML);
    expect(yamlDuplicates(doc, lines)).toEqual([
      'line 10: key "unknownDupe" already set in map',
      'line 12: key "paused" already set in map',
      'line 26: key "imagePullPolicy" already set in map',
    ]);
    // the last value wins, as kube's (non-strict) YAML-to-JSON keeps it
    const spec = (doc.toJS() as { spec: { paused: boolean; unknownDupe: string } }).spec;
    expect(spec.paused).toBe(false);
    expect(spec.unknownDupe).toBe('valDupe2');
  });

  it('takes keys of other types and block values, and finds nothing in a clean document', () => {
    const { doc, lines } = parseYamlDocument('a:\n  x: 1\na:\n  y: 2\n1: one\n"1": string\n1: again\n');
    expect(yamlDuplicates(doc, lines)).toEqual(['line 4: key "a" already set in map', 'line 7: key 1 already set in map']);
    const clean = parseYamlDocument('a: 1\nb: [1, 2]\n');
    expect(yamlDuplicates(clean.doc, clean.lines)).toEqual([]);
  });
});
