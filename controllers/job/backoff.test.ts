import { describe, expect, it } from 'vitest';
import { nextBackoffRecord, remainingBackoffMs } from './backoff.ts';
import { metaTime } from '../framework/meta-time.ts';
import { makePod, T0 } from './testing.ts';

const S = 1000;

describe('pod failure back-off', () => {
  it.each([
    [0, 0, 0],
    [1, 0, 10 * S],
    [1, 4 * S, 6 * S],
    [1, 10 * S, 0],
    [2, 0, 20 * S],
    [5, 0, 160 * S],
    [6, 0, 320 * S],
    [7, 0, 600 * S],
    [30, 599 * S, 1 * S],
  ])('%i failures, %i ms since the last: %i ms left', (failures, elapsed, want) => {
    expect(remainingBackoffMs(failures, T0, T0 + elapsed)).toBe(want);
  });

  it('counts from the latest container finish time', () => {
    const failed = [makePod('a', { phase: 'Failed', exitCode: 1, finishedAt: T0 - 5 * S }), makePod('b', { phase: 'Failed', exitCode: 1, finishedAt: T0 })];
    expect(nextBackoffRecord(undefined, [], failed)).toEqual({ failuresAfterLastSuccess: 2, lastFailureTime: T0 });
    expect(nextBackoffRecord({ failuresAfterLastSuccess: 3, lastFailureTime: T0 - 60 * S }, [], failed)).toEqual({ failuresAfterLastSuccess: 5, lastFailureTime: T0 });
  });

  it('falls back to Ready=False, then deletion less grace, then creation', () => {
    const ready = makePod('r', { phase: 'Failed', ready: false, readyAt: T0 - 7 * S });
    expect(nextBackoffRecord(undefined, [], [ready]).lastFailureTime).toBe(T0 - 7 * S);
    const deleted = makePod('d', { phase: 'Running', deleting: true });
    expect(nextBackoffRecord(undefined, [], [deleted]).lastFailureTime).toBe(T0 - 30 * S);
    const bare = makePod('c', { phase: 'Failed', created: T0 - 99 * S });
    expect(nextBackoffRecord(undefined, [], [bare]).lastFailureTime).toBe(T0 - 99 * S);
  });

  it('a success resets; only failures after the last success count', () => {
    const ok = makePod('ok', { phase: 'Succeeded', exitCode: 0, finishedAt: T0 });
    expect(nextBackoffRecord({ failuresAfterLastSuccess: 4, lastFailureTime: T0 - S }, [ok], [])).toEqual({ failuresAfterLastSuccess: 0, lastFailureTime: undefined });
    const before = makePod('f1', { phase: 'Failed', exitCode: 1, finishedAt: T0 - S });
    const after = makePod('f2', { phase: 'Failed', exitCode: 1, finishedAt: T0 + S });
    expect(nextBackoffRecord(undefined, [ok], [before, after])).toEqual({ failuresAfterLastSuccess: 1, lastFailureTime: T0 + S });
    expect(metaTime(T0 + 1500)).toBe('2026-01-01T12:00:01Z');
  });
});
