import { describe, expect, it } from 'vitest';
import { CONTAINER_HASH_SCHEME, containerChanged, hashContainer } from './container-hash.ts';

describe('container hash', () => {
  it('is stable and ignores fields that cannot change in place', () => {
    const a = hashContainer({ name: 'c', image: 'busybox:1.36' });
    expect(a).toMatch(/^[0-9a-f]{1,8}$/);
    expect(hashContainer({ name: 'c', image: 'busybox:1.36' })).toBe(a);
    const withMore = { name: 'c', image: 'busybox:1.36', env: [{ name: 'A', value: '1' }], terminationMessagePath: '/dev/termination-log' };
    expect(hashContainer(withMore)).toBe(a);
    // A known value, so an accidental change of the scheme fails this test.
    expect(hashContainer({ name: 'c', image: 'busybox' })).toBe('70ec41b6');
  });

  it('changes with the image or name', () => {
    const a = hashContainer({ name: 'c', image: 'busybox:1.36' });
    expect(hashContainer({ name: 'c', image: 'busybox:1.37' })).not.toBe(a);
    expect(hashContainer({ name: 'd', image: 'busybox:1.36' })).not.toBe(a);
    expect(containerChanged({ name: 'c', image: 'busybox:1.37' }, a, CONTAINER_HASH_SCHEME)).toBe(true);
    expect(containerChanged({ name: 'c', image: 'busybox:1.36' }, a, CONTAINER_HASH_SCHEME)).toBe(false);
  });

  it('never reports a change for hashes of another scheme', () => {
    expect(containerChanged({ name: 'c', image: 'x' }, 'deadbeef', '0')).toBe(false);
    expect(containerChanged({ name: 'c', image: 'x' }, undefined, undefined)).toBe(false);
  });
});
