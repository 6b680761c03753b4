import { describe, expect, it } from 'vitest';
import { addQuantity, compareQuantity, cpuMillis, InvalidQuantityError, parseQuantity, quantityBytes, quantityMilliValue, quantityValue } from './quantity.ts';

describe('quantity', () => {
  it.each([
    ['500m', 500], ['1', 1000], ['0.5', 500], ['1250m', 1250], ['2.5', 2500], ['100u', 1], ['1n', 1], ['0', 0], ['.1', 100], ['1e-3', 1],
  ])('cpu %s → %d millicores', (s, m) => {
    expect(cpuMillis(s)).toBe(m);
  });

  it.each([
    ['64Mi', 67108864], ['32Mi', 33554432], ['1G', 1e9], ['128974848', 128974848], ['129e6', 129000000], ['123Mi', 128974848],
    ['1Ki', 1024], ['1k', 1000], ['1.5Gi', 1610612736], ['1E3', 1000], ['1E', 1e18], ['0.5', 1], ['100m', 1], ['1Ei', 2 ** 60],
  ])('memory %s → %d bytes', (s, b) => {
    expect(quantityBytes(s)).toBe(b);
  });

  it.each(['', 'abc', '1K', '1 Mi', '1e', '--1', '1Mb', '.', '1.2.3'])('rejects %j', (s) => {
    expect(() => parseQuantity(s)).toThrow(InvalidQuantityError);
  });

  it('keeps exact values and rounds up only on Value/MilliValue', () => {
    const q = addQuantity(parseQuantity('0.1'), parseQuantity('0.2'));
    expect(compareQuantity(q, parseQuantity('300m'))).toBe(0);
    expect(quantityValue(parseQuantity('1001m'))).toBe(2);
    expect(quantityMilliValue(parseQuantity('1n'))).toBe(1);
    expect(compareQuantity(parseQuantity('1Gi'), parseQuantity('1G'))).toBe(1);
  });
});
