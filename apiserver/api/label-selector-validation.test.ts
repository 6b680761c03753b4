import { describe, expect, it } from 'vitest';
import { fieldErrorString } from './errors.ts';
import { validateLabelSelector } from './label-selector-validation.ts';

describe('validateLabelSelector', () => {
  it('has no errors for a nil selector', () => {
    expect(validateLabelSelector(undefined, 'spec.selector')).toEqual([]);
    expect(validateLabelSelector(null, 'spec.selector')).toEqual([]);
  });

  it('words operator, values, key and label value errors as metav1 validation does', () => {
    const errs = validateLabelSelector({
      matchLabels: { ok: 'yes' },
      matchExpressions: [
        { key: 'a', operator: 'In', values: [] },
        { key: 'b', operator: 'Exists', values: ['x'] },
        { key: 'c', operator: 'Near' },
        { key: 'bad key', operator: 'NotIn', values: ['-bad-'] },
      ],
    }, 'spec.selector');
    expect(errs.map(fieldErrorString)).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Invalid value: "Near": not a valid selector operator',
      expect.stringMatching(/^spec\.selector\.matchExpressions\[3\]\.key: Invalid value: "bad key": /),
      expect.stringMatching(/^spec\.selector\.matchExpressions\[3\]\.values\[0\]: Invalid value: "-bad-": /),
    ]);
  });
});
