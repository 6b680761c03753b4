import { describe, expect, it } from 'vitest';
import { expand, expandCommandAndArgs, expandStaticCommand, expandSubPathExpr, mappingFuncFor } from './expansion.ts';

describe('expand (Kubernetes $(VAR) rules)', () => {
  const mapping = mappingFuncFor(new Map([['VAR_A', 'A'], ['VAR_B', 'B'], ['VAR_C', 'C'], ['VAR_REF', '$(VAR_A)'], ['VAR_EMPTY', '']]));
  it.each([
    ['$(VAR_A)', 'A'],
    ['___$(VAR_B)___', '___B___'],
    ['$(VAR_A)-$(VAR_A)', 'A-A'],
    ['$(VAR_A)$(VAR_B)$(VAR_C)', 'ABC'],
    ['$$(VAR_B)_$(VAR_A)', '$(VAR_B)_A'],
    ['$$$(VAR_A)', '$A'],
    ['$$$$$$$(VAR_A)', '$$$A'],
    ['$$$$', '$$'],
    ['$(VAR_A', '$(VAR_A'],
    ['$VAR_A', '$VAR_A'],
    ['$', '$'],
    ['foo$', 'foo$'],
    ['$()', '$()'],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$(VAR_REF)', '$(VAR_A)'],
    ['$(VAR_EMPTY)x', 'x'],
    ['(VAR_A)', '(VAR_A)'],
    ['$(VAR_$(VAR_A))', '$(VAR_$(VAR_A))'],
    ['f000-$$VAR_A', 'f000-$VAR_A'],
    ['', ''],
  ])('%j → %j', (input, want) => {
    expect(expand(input, mapping)).toBe(want);
  });
});

describe('command/args expansion (expansion.go e2e cases)', () => {
  it('substitutes values in command and args from the final env', () => {
    const env = [{ name: 'TEST_VAR', value: 'test-value' }];
    expect(expandCommandAndArgs({ command: ['sh', '-c', 'TEST_VAR=wrong echo "$(TEST_VAR)"'] }, env)).toEqual({
      command: ['sh', '-c', 'TEST_VAR=wrong echo "test-value"'],
    });
    expect(expandCommandAndArgs({ command: ['sh', '-c'], args: ['TEST_VAR=wrong echo "$(TEST_VAR)"'] }, env)).toEqual({
      command: ['sh', '-c'], args: ['TEST_VAR=wrong echo "test-value"'],
    });
    expect(expandCommandAndArgs({}, env)).toEqual({});
  });
});

describe('expandStaticCommand (probes: ExpandContainerCommandOnlyStatic)', () => {
  it('uses static values only: valueFrom is empty, unknown stays, $$ escapes', () => {
    const env = [{ name: 'F', value: '/tmp/health' }, { name: 'S', valueFrom: { fieldRef: { fieldPath: 'x' } } }];
    expect(expandStaticCommand(['cat', '$(F)', '$(S)', '$(NOPE)', '$$(F)', '$(F'], env)).toEqual(['cat', '/tmp/health', '', '$(NOPE)', '$(F)', '$(F']);
    expect(expandStaticCommand(['true'], undefined)).toEqual(['true']);
  });
});

describe('expandSubPathExpr', () => {
  it('expands and fails on missing or empty variables', () => {
    const env = [{ name: 'POD_NAME', value: 'foo' }, { name: 'ANNOTATION', value: '' }];
    expect(expandSubPathExpr('$(POD_NAME)', env)).toEqual({ value: 'foo' });
    expect(expandSubPathExpr('$(ANNOTATION)/$(POD_NAME)', env)).toEqual({ error: 'missing value for ANNOTATION' });
    expect(expandSubPathExpr('$(Z)/$(B)', env)).toEqual({ error: 'missing value for B, Z' });
  });
});
