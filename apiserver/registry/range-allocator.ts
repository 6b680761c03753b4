// The two ranges kube-apiserver hands Service values out of: ClusterIPs from
// --service-cluster-ip-range and node ports from --service-node-port-range (ipallocator and
// portallocator over allocator.AllocationBitmap). Both pick a dynamic value at random, preferring
// the upper band of the range (1.32's static/dynamic split: the lower band is left for values
// users ask for, and used only once the upper one is full). In memory: the API server rebuilds
// the state from the stored Services when it starts (service-allocation.ts).
import { randomInt } from 'node:crypto';
import { ipv4ToNumber, numberToIPv4, parseCidr, type Cidr } from '../../kube/cluster-network.ts';

/** Picks an integer in [0, n); injectable so tests can make allocation deterministic. */
export type RandomInt = (n: number) => number;

const defaultRandom: RandomInt = (n) => randomInt(n);

/** Why an allocation failed, with the words upstream's allocators use. */
export class RangeAllocationError extends Error {
  constructor(readonly reason: 'NotInRange' | 'Allocated' | 'Full', message: string) {
    super(message);
    this.name = 'RangeAllocationError';
  }
}

/**
 * A bitmap over the offsets [0, size): AllocateNext scans from a random start in the upper band
 * [dynamicFrom, size), then from a random start in the lower band [0, dynamicFrom)
 * (randomScanStrategyWithOffset).
 */
export class OffsetBitmap {
  private readonly bits: Uint32Array;
  private used = 0;

  constructor(readonly size: number, readonly dynamicFrom: number, private readonly random: RandomInt = defaultRandom) {
    this.bits = new Uint32Array(Math.ceil(size / 32));
  }

  has(i: number): boolean {
    return i >= 0 && i < this.size && ((this.bits[i >>> 5] ?? 0) & (1 << (i & 31))) !== 0;
  }

  /** Marks i; false when it was taken already. */
  allocate(i: number): boolean {
    if (i < 0 || i >= this.size || this.has(i)) return false;
    this.bits[i >>> 5] = (this.bits[i >>> 5] ?? 0) | (1 << (i & 31));
    this.used++;
    return true;
  }

  release(i: number): void {
    if (!this.has(i)) return;
    this.bits[i >>> 5] = (this.bits[i >>> 5] ?? 0) & ~(1 << (i & 31));
    this.used--;
  }

  /** A free offset, marked; undefined when the range is full. */
  allocateNext(): number | undefined {
    if (this.used >= this.size) return undefined;
    const bands: [number, number][] = [[this.dynamicFrom, this.size], [0, this.dynamicFrom]];
    for (const [from, to] of bands) {
      const n = to - from;
      if (n <= 0) continue;
      const start = this.random(n);
      for (let k = 0; k < n; k++) {
        const at = from + ((start + k) % n);
        if (!this.has(at)) {
          this.allocate(at);
          return at;
        }
      }
    }
    return undefined;
  }

  get free(): number {
    return this.size - this.used;
  }
}

/** min(max(min, size/step), max), 0 for ranges of at most `min` values (calculateRangeOffset). */
function rangeOffset(size: number, min: number, max: number, step: number): number {
  if (size <= min) return 0;
  return Math.min(Math.max(min, Math.floor(size / step)), max);
}

/** The ClusterIP range: the CIDR's addresses without its network and broadcast addresses. */
export class IPRangeAllocator {
  readonly cidr: Cidr;
  /** The range as upstream prints it, e.g. 10.96.0.0/12. */
  readonly rangeText: string;
  private readonly bitmap: OffsetBitmap;

  constructor(cidrText: string, random: RandomInt = defaultRandom) {
    const cidr = parseCidr(cidrText);
    if (cidr === undefined) throw new Error(`invalid service cluster IP range ${JSON.stringify(cidrText)}: not an IPv4 CIDR`);
    if (cidr.prefix > 30) throw new Error(`invalid service cluster IP range ${cidrText}: the range must hold at least two addresses (a /30 or larger)`);
    // kube-apiserver's limit: "for 32-bit addresses, the mask must be >= 12"
    if (cidr.prefix < 12) throw new Error(`specified --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12`);
    this.cidr = cidr;
    this.rangeText = `${numberToIPv4(cidr.base)}/${cidr.prefix}`;
    // the static band: min(max(16, size/16), 256) addresses (ipallocator's calculateRangeOffset)
    this.bitmap = new OffsetBitmap(cidr.size - 2, rangeOffset(cidr.size, 16, 256, 16), random);
  }

  /** The bitmap offset of ip, or undefined when it is not one of the range's usable addresses. */
  private offsetOf(ip: string): number | undefined {
    const n = ipv4ToNumber(ip);
    if (n === undefined) return undefined;
    const off = n - this.cidr.base - 1;
    return off >= 0 && off < this.bitmap.size ? off : undefined;
  }

  private notInRange(ip: string): RangeAllocationError {
    return new RangeAllocationError('NotInRange', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.rangeText}`);
  }

  contains(ip: string): boolean {
    return this.offsetOf(ip) !== undefined;
  }

  has(ip: string): boolean {
    const off = this.offsetOf(ip);
    return off !== undefined && this.bitmap.has(off);
  }

  /** Reserves ip; dryRun only checks that it could be (Range.allocate with dryRun). */
  allocate(ip: string, dryRun = false): void {
    const off = this.offsetOf(ip);
    if (off === undefined) throw this.notInRange(ip);
    if (this.bitmap.has(off)) throw new RangeAllocationError('Allocated', 'provided IP is already allocated');
    if (!dryRun) this.bitmap.allocate(off);
  }

  /** A free address, reserved. A dry run does not look for one: it answers the network address, as upstream. */
  allocateNext(dryRun = false): string {
    if (dryRun) return numberToIPv4(this.cidr.base);
    const off = this.bitmap.allocateNext();
    if (off === undefined) throw new RangeAllocationError('Full', 'range is full');
    return numberToIPv4(this.cidr.base + 1 + off);
  }

  release(ip: string): void {
    const off = this.offsetOf(ip);
    if (off !== undefined) this.bitmap.release(off);
  }

  get free(): number {
    return this.bitmap.free;
  }
}

export interface PortRange {
  first: number;
  last: number;
}

/** net.ParsePortRange: `30000-32767`, `30000+2767` or a single port; undefined when malformed. */
export function parsePortRange(text: string): PortRange | undefined {
  const t = text.trim();
  const m = /^(\d+)(?:([-+])(\d+))?$/.exec(t);
  if (m === null) return undefined;
  const first = Number(m[1]);
  const second = m[3] === undefined ? undefined : Number(m[3]);
  const last = second === undefined ? first : m[2] === '+' ? first + second : second;
  if (first < 1 || first > 65535 || last < first || last > 65535) return undefined;
  return { first, last };
}

export function portRangeText(r: PortRange): string {
  return r.first === r.last ? String(r.first) : `${r.first}-${r.last}`;
}

/** The node port range. */
export class PortRangeAllocator {
  readonly rangeText: string;
  private readonly bitmap: OffsetBitmap;

  constructor(readonly range: PortRange, random: RandomInt = defaultRandom) {
    this.rangeText = portRangeText(range);
    const size = range.last - range.first + 1;
    // the static band: min(max(16, size/32), 128) ports (portallocator's calculateRangeOffset)
    this.bitmap = new OffsetBitmap(size, rangeOffset(size, 16, 128, 32), random);
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.range.first && port <= this.range.last;
  }

  has(port: number): boolean {
    return this.contains(port) && this.bitmap.has(port - this.range.first);
  }

  allocate(port: number): void {
    if (!this.contains(port)) {
      throw new RangeAllocationError('NotInRange', `provided port is not in the valid range. The range of valid ports is ${this.rangeText}`);
    }
    if (!this.bitmap.allocate(port - this.range.first)) throw new RangeAllocationError('Allocated', 'provided port is already allocated');
  }

  allocateNext(): number {
    const off = this.bitmap.allocateNext();
    if (off === undefined) throw new RangeAllocationError('Full', 'range is full');
    return this.range.first + off;
  }

  release(port: number): void {
    if (this.contains(port)) this.bitmap.release(port - this.range.first);
  }

  get free(): number {
    return this.bitmap.free;
  }
}

/**
 * One write's node port changes (portallocator.PortAllocationOperation): allocations happen at
 * once, releases wait for commit; revert gives back what the operation took. A dry run never
 * touches the allocator: it refuses ports already taken and makes up dynamic ones (32769, 32770,
 * ... as upstream's dry run does).
 */
export class PortOperation {
  private readonly allocated: number[] = [];
  private readonly deferred: number[] = [];
  private done = false;

  constructor(private readonly ports: PortRangeAllocator, private readonly dryRun: boolean) {}

  allocate(port: number): void {
    if (this.dryRun) {
      if (this.ports.has(port) || this.allocated.includes(port)) throw new RangeAllocationError('Allocated', 'provided port is already allocated');
      this.allocated.push(port);
      return;
    }
    this.ports.allocate(port);
    this.allocated.push(port);
  }

  allocateNext(): number {
    if (this.dryRun) {
      const port = this.allocated.length === 0 ? 32769 : Math.max(...this.allocated) + 1;
      this.allocated.push(port);
      return port;
    }
    const port = this.ports.allocateNext();
    this.allocated.push(port);
    return port;
  }

  releaseDeferred(port: number): void {
    this.deferred.push(port);
  }

  commit(): void {
    if (this.done) return;
    this.done = true;
    if (this.dryRun) return;
    for (const p of this.deferred) this.ports.release(p);
  }

  revert(): void {
    if (this.done) return;
    this.done = true;
    if (this.dryRun) return;
    for (const p of this.allocated) this.ports.release(p);
  }
}
