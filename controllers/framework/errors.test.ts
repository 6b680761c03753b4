import { describe, expect, it } from 'vitest';
import { ApiClientError } from '../../kube/client/client.ts';
import { aggregate, asError, messageOf, namespaceTerminating } from './errors.ts';

function apiError(code: number, reason: string, causes: { reason: string }[] = []): ApiClientError {
  return new ApiClientError(code, { reason, message: reason, code, ...(causes.length > 0 ? { details: { causes } } : {}) });
}

describe('controller errors', () => {
  it('takes the text of anything thrown', () => {
    expect(messageOf(new Error('boom'))).toBe('boom');
    expect(messageOf('plain')).toBe('plain');
    const e = new Error('same');
    expect(asError(e)).toBe(e);
    expect(asError(42).message).toBe('42');
  });

  it('aggregates as utilerrors.NewAggregate: none, one as itself, several as [a, b]', () => {
    expect(aggregate([])).toBeUndefined();
    const one = new Error('one');
    expect(aggregate([one])).toBe(one);
    expect(aggregate([one, 'two'])?.message).toBe('[one, two]');
  });

  it('tells a create refused by a terminating namespace', () => {
    expect(namespaceTerminating(apiError(403, 'Forbidden', [{ reason: 'NamespaceTerminating' }]))).toBe(true);
    expect(namespaceTerminating(apiError(403, 'Forbidden'))).toBe(false);
    expect(namespaceTerminating(new Error('NamespaceTerminating'))).toBe(false);
  });
});
