import { describe, expect, it } from 'vitest';
import { IPRangeAllocator, OffsetBitmap, parsePortRange, PortOperation, PortRangeAllocator } from './range-allocator.ts';

/** Always starts the scan at the band's beginning. */
const first = (): number => 0;

describe('OffsetBitmap', () => {
  it('hands out the upper band first, then the lower one, then nothing', () => {
    const b = new OffsetBitmap(6, 4, first);
    expect([b.allocateNext(), b.allocateNext(), b.allocateNext(), b.allocateNext(), b.allocateNext(), b.allocateNext(), b.allocateNext()])
      .toEqual([4, 5, 0, 1, 2, 3, undefined]);
    b.release(2);
    expect(b.free).toBe(1);
    expect(b.allocateNext()).toBe(2);
  });

  it('scans on from a random start and wraps within the band', () => {
    const b = new OffsetBitmap(10, 4, (n) => n - 1);
    expect(b.allocateNext()).toBe(9);
    expect(b.allocateNext()).toBe(4);
    expect(b.allocate(5)).toBe(true);
    expect(b.allocate(5)).toBe(false);
  });
});

describe('IPRangeAllocator', () => {
  it('prefers the dynamic band above the static one: 10.96.1.1 on 10.96.0.0/12 (offset 256)', () => {
    const a = new IPRangeAllocator('10.96.0.0/12', first);
    expect(a.allocateNext()).toBe('10.96.1.1');
    expect(a.allocateNext()).toBe('10.96.1.2');
    expect(a.free).toBe(2 ** 20 - 2 - 2);
  });

  it('refuses taken and out-of-range addresses in upstream words (network and broadcast are outside)', () => {
    const a = new IPRangeAllocator('10.96.0.0/12', first);
    a.allocate('10.96.0.5');
    expect(() => { a.allocate('10.96.0.5'); }).toThrow('provided IP is already allocated');
    for (const ip of ['10.0.0.1', '10.96.0.0', '10.111.255.255', 'fd00::1']) {
      expect(() => { a.allocate(ip); }).toThrow(`the provided IP (${ip}) is not in the valid range. The range of valid IPs is 10.96.0.0/12`);
    }
    a.allocate('10.111.255.254');
    a.release('10.96.0.5');
    a.allocate('10.96.0.5');
  });

  it('names the range by its network address', () => {
    expect(new IPRangeAllocator('10.96.3.7/24').rangeText).toBe('10.96.3.0/24');
  });

  it('is full after every usable address of a small range', () => {
    const a = new IPRangeAllocator('192.168.0.0/29', first);
    const got = Array.from({ length: 6 }, () => a.allocateNext());
    expect(new Set(got).size).toBe(6);
    expect(got).not.toContain('192.168.0.0');
    expect(got).not.toContain('192.168.0.7');
    expect(() => a.allocateNext()).toThrow('range is full');
  });

  it('falls back to the static band when the dynamic one is full (/24: 16 static addresses)', () => {
    const a = new IPRangeAllocator('10.0.0.0/24', first);
    const dynamic = Array.from({ length: 254 - 16 }, () => a.allocateNext());
    expect(dynamic[0]).toBe('10.0.0.17');
    expect(a.allocateNext()).toBe('10.0.0.1');
  });

  it('dry runs reserve nothing: a dynamic one answers the network address, a requested one is only checked', () => {
    const a = new IPRangeAllocator('10.96.0.0/12', first);
    expect(a.allocateNext(true)).toBe('10.96.0.0');
    a.allocate('10.96.0.9', true);
    expect(a.has('10.96.0.9')).toBe(false);
    a.allocate('10.96.0.9');
    expect(() => { a.allocate('10.96.0.9', true); }).toThrow('provided IP is already allocated');
    expect(() => { a.allocate('1.2.3.4', true); }).toThrow('not in the valid range');
  });

  it('refuses ranges it cannot serve', () => {
    expect(() => new IPRangeAllocator('10.96.0.0')).toThrow('not an IPv4 CIDR');
    expect(() => new IPRangeAllocator('10.96.0.0/31')).toThrow('at least two addresses');
    expect(() => new IPRangeAllocator('10.0.0.0/8')).toThrow('the mask must be >= 12');
  });
});

describe('PortRangeAllocator', () => {
  it('prefers ports above the static band: 30086 on 30000-32767 (offset 86)', () => {
    const a = new PortRangeAllocator({ first: 30000, last: 32767 }, first);
    expect(a.allocateNext()).toBe(30086);
  });

  it('refuses taken and out-of-range ports in upstream words, and is full at the end', () => {
    const a = new PortRangeAllocator({ first: 30000, last: 30019 }, first);
    a.allocate(30080 - 80);
    expect(() => { a.allocate(30000); }).toThrow('provided port is already allocated');
    expect(() => { a.allocate(29999); }).toThrow('provided port is not in the valid range. The range of valid ports is 30000-30019');
    const got = Array.from({ length: 19 }, () => a.allocateNext());
    expect(got.slice(0, 4)).toEqual([30016, 30017, 30018, 30019]);
    expect(new Set(got).size).toBe(19);
    expect(() => a.allocateNext()).toThrow('range is full');
  });

  it.each([
    ['30000-32767', { first: 30000, last: 32767 }],
    ['30000+2767', { first: 30000, last: 32767 }],
    ['8080', { first: 8080, last: 8080 }],
    [' 1-65535 ', { first: 1, last: 65535 }],
    ['32767-30000', undefined],
    ['0-10', undefined],
    ['1-70000', undefined],
    ['a-b', undefined],
  ])('parses %j', (text, want) => {
    expect(parsePortRange(text)).toEqual(want);
  });
});

describe('PortOperation', () => {
  it('allocates at once, releases on commit, gives back on revert', () => {
    const ports = new PortRangeAllocator({ first: 30000, last: 32767 }, first);
    ports.allocate(30001);
    const op = new PortOperation(ports, false);
    op.allocate(30002);
    op.releaseDeferred(30001);
    expect(ports.has(30001)).toBe(true);
    op.commit();
    expect([ports.has(30001), ports.has(30002)]).toEqual([false, true]);
    const failed = new PortOperation(ports, false);
    const p = failed.allocateNext();
    failed.releaseDeferred(30002);
    failed.revert();
    expect([ports.has(p), ports.has(30002)]).toEqual([false, true]);
  });

  it('a dry run takes nothing, refuses taken ports and makes up 32769, 32770, ... for dynamic ones', () => {
    const ports = new PortRangeAllocator({ first: 30000, last: 32767 }, first);
    ports.allocate(30080);
    const op = new PortOperation(ports, true);
    expect([op.allocateNext(), op.allocateNext()]).toEqual([32769, 32770]);
    expect(() => { op.allocate(30080); }).toThrow('provided port is already allocated');
    op.allocate(30081);
    expect(() => { op.allocate(30081); }).toThrow('provided port is already allocated');
    op.commit();
    expect([ports.has(30081), ports.free]).toEqual([false, 2767]);
    const after = new PortOperation(ports, true);
    after.allocate(30100);
    expect(after.allocateNext()).toBe(30101);
  });
});
