// additionalPrinterColumns: client-go's JSONPath on custom resources and the cells kube's
// tableconvertor makes of what it finds.
import { describe, expect, it } from 'vitest';
import { parseJsonPath } from './jsonpath.ts';
import { cellFor, customResourceTable, DEFAULT_COLUMNS, printValue } from './printer-columns.ts';

const NOW = Date.parse('2024-01-01T01:00:00Z');

const OBJ = {
  metadata: { name: 'w', creationTimestamp: '2024-01-01T00:00:00Z', labels: { 'app.kubernetes.io/name': 'web' } },
  spec: { replicas: 3, ratio: 0.25, ready: true, tags: ['a', 'b', 'c'], selector: { matchLabels: { app: 'w' } } },
  status: {
    conditions: [
      { type: 'Progressing', status: 'True', observed: 1 },
      { type: 'Ready', status: 'False', observed: 2 },
    ],
  },
};

describe('JSONPath of printer columns', () => {
  const cases: [string, unknown[]][] = [
    ['.spec.replicas', [3]],
    ['.spec.tags[1]', ['b']],
    ['.spec.tags[-1]', ['c']],
    ['.spec.tags[0:2]', ['a', 'b']],
    ['.spec.tags[*]', ['a', 'b', 'c']],
    ['.spec.tags[0,2]', ['a', 'c']],
    ['.metadata.labels.app\\.kubernetes\\.io/name', ['web']],
    [".metadata.labels['app.kubernetes.io/name']", ['web']],
    ['.status.conditions[?(@.type=="Ready")].status', ['False']],
    ['.status.conditions[?(@.observed > 1)].type', ['Ready']],
    ['.status.conditions[?(@.missing)].type', []],
    ['..matchLabels.app', ['w']],
    ['.spec.missing', []],
    ['{.spec.replicas}', [3]],
  ];
  for (const [path, want] of cases) {
    it(`finds ${path}`, () => {
      expect(parseJsonPath(path).find(OBJ)).toEqual(want);
    });
  }

  it('refuses what it cannot parse', () => {
    expect(() => parseJsonPath('.spec.tags[x]')).toThrow('invalid array index x');
    expect(() => parseJsonPath('.spec.tags[0')).toThrow('unclosed array expect ]');
  });
});

describe('cells of printer columns', () => {
  it('keeps values of the column\'s type and prints string columns as jsonpath does', () => {
    expect(cellFor('integer', 3, NOW)).toBe(3);
    expect(cellFor('integer', 2.7, NOW)).toBe(2);
    expect(cellFor('integer', '3', NOW)).toBeNull();
    expect(cellFor('number', 3, NOW)).toBe(3);
    expect(cellFor('boolean', true, NOW)).toBe(true);
    expect(cellFor('boolean', 'true', NOW)).toBeNull();
    expect(cellFor('string', 3, NOW)).toBe('3');
    expect(cellFor('string', { b: 1, a: [true] }, NOW)).toBe('{"a":[true],"b":1}');
    expect(cellFor('date', '2024-01-01T00:00:00Z', NOW)).toBe('60m');
    expect(cellFor('date', 'soon', NOW)).toBe('<invalid>');
    expect(cellFor('date', 5, NOW)).toBeNull();
    expect(printValue(1e6 + 0.5)).toBe('1.0000005e+06');
  });

  it('makes a Name column and one per printer column, in the CRD\'s order', () => {
    const table = customResourceTable([
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Whether it is ready.' },
      { name: 'Selector', type: 'string', jsonPath: '.spec.selector', priority: 1 },
      { name: 'Missing', type: 'string', jsonPath: '.spec.nothing' },
      ...DEFAULT_COLUMNS,
    ]);
    expect(table.columns.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0], ['Replicas', 'integer', 0], ['Ready', 'string', 0], ['Selector', 'string', 1], ['Missing', 'string', 0], ['Age', 'date', 0],
    ]);
    expect(table.columns[1]?.description).toBe('Custom resource definition column (in JSONPath format): .spec.replicas');
    expect(table.columns[2]?.description).toBe('Whether it is ready.');
    expect(table.row(OBJ, NOW).cells).toEqual(['w', 3, 'False', '{"matchLabels":{"app":"w"}}', null, '60m']);
  });

  it('stops at a column whose path does not parse, as upstream serves what it built', () => {
    const table = customResourceTable([
      { name: 'A', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'B', type: 'string', jsonPath: '.spec.tags[' },
      { name: 'C', type: 'string', jsonPath: '.spec.ready' },
    ]);
    expect(table.columns.map((c) => c.name)).toEqual(['Name', 'A']);
  });
});
