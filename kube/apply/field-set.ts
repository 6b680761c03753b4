// Sets of field paths, as data. A set is a trie: at each level the path elements that are members
// (the path ends here) and the children (longer paths go on through here), both kept sorted in
// upstream's path element order. The set algebra, the FieldsV1 JSON form (with `.` marking "this
// element itself" when it also has children) and the set of fields an object sets (ToFieldSet)
// follow sigs.k8s.io/structured-merge-diff's fieldpath and typed packages exactly, because
// managedFields written here must read the same in kubectl and in any other apiserver.
import type { Atom } from './atoms.ts';
import { atomOf, listItemElement } from './atoms.ts';
import { goJSONString } from './go-format.ts';
import type { Path, PathElement } from './path.ts';
import {
  comparePathElements, fieldElement, parsePathElement, pathString, serializePathElement,
  UnknownPathElementError,
} from './path.ts';
import type { TypeRef } from './type-info.ts';
import { fieldType } from './type-info.ts';
import { isMap } from './value.ts';

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/** Binary search for pe in a sorted list; returns [index, found]. */
function search<T>(list: readonly T[], pe: PathElement, get: (t: T) => PathElement): [number, boolean] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const item = list[mid];
    if (item === undefined) break;
    const c = comparePathElements(get(item), pe);
    if (c === 0) return [mid, true];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return [lo, false];
}

const selfPE = (pe: PathElement): PathElement => pe;
const childPE = (c: Child): PathElement => c.pe;

/** An immutable set of field paths. Operations return new sets (which may share subtrees). */
export class FieldSet {
  static readonly EMPTY = new FieldSet([], []);

  private constructor(
    /** Path elements where a path ends at this level, sorted. */
    readonly members: readonly PathElement[],
    /** Path elements that longer paths go through, sorted, each with the rest of those paths. */
    readonly children: readonly Child[],
  ) {}

  /** A set holding the given paths (an empty path is ignored, as upstream). */
  static of(...paths: readonly Path[]): FieldSet {
    const b = new FieldSetBuilder();
    for (const p of paths) b.insert(p);
    return b.build();
  }

  /** Internal constructor for code that already holds sorted, de-duplicated levels. */
  static fromSorted(members: readonly PathElement[], children: readonly Child[]): FieldSet {
    return members.length === 0 && children.length === 0 ? FieldSet.EMPTY : new FieldSet(members, children);
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking down the trie
    let s: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) {
      const pe = path[i];
      if (pe === undefined) return false;
      const next = s.child(pe);
      if (next === undefined) return false;
      s = next;
    }
    const last = path[path.length - 1];
    return last !== undefined && search(s.members, last, selfPE)[1];
  }

  hasMember(pe: PathElement): boolean {
    return search(this.members, pe, selfPE)[1];
  }

  /** The subset under pe (the paths that go through pe, without pe), or undefined. */
  child(pe: PathElement): FieldSet | undefined {
    const [i, found] = search(this.children, pe, childPE);
    return found ? this.children[i]?.set : undefined;
  }

  /** Set.WithPrefix: the subset under pe, empty when there is none. */
  withPrefix(pe: PathElement): FieldSet {
    return this.child(pe) ?? FieldSet.EMPTY;
  }

  /** No member anywhere (children that lead nowhere do not count). */
  empty(): boolean {
    return this.members.length === 0 && this.children.every((c) => c.set.empty());
  }

  /** The number of paths in the set. */
  size(): number {
    return this.members.length + this.children.reduce((n, c) => n + c.set.size(), 0);
  }

  equals(other: FieldSet): boolean {
    if (this.members.length !== other.members.length || this.children.length !== other.children.length) return false;
    for (let i = 0; i < this.members.length; i++) {
      const a = this.members[i];
      const b = other.members[i];
      if (a === undefined || b === undefined || comparePathElements(a, b) !== 0) return false;
    }
    for (let i = 0; i < this.children.length; i++) {
      const a = this.children[i];
      const b = other.children[i];
      if (a === undefined || b === undefined || comparePathElements(a.pe, b.pe) !== 0 || !a.set.equals(b.set)) return false;
    }
    return true;
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.fromSorted(mergeMembers(this.members, other.members, 'union'), unionChildren(this.children, other.children));
  }

  intersection(other: FieldSet): FieldSet {
    const children: Child[] = [];
    walkBoth(this.children, other.children, childPE, (a, b) => {
      if (a === undefined || b === undefined) return;
      const s = a.set.intersection(b.set);
      if (!s.empty()) children.push({ pe: a.pe, set: s });
    });
    return FieldSet.fromSorted(mergeMembers(this.members, other.members, 'intersection'), children);
  }

  /** Set.Difference: members of other leave; a child of other only subtracts below itself. */
  difference(other: FieldSet): FieldSet {
    const children: Child[] = [];
    walkBoth(this.children, other.children, childPE, (a, b) => {
      if (a === undefined) return;
      if (b === undefined) {
        children.push(a);
        return;
      }
      const s = a.set.difference(b.set);
      if (!s.empty()) children.push({ pe: a.pe, set: s });
    });
    return FieldSet.fromSorted(mergeMembers(this.members, other.members, 'difference'), children);
  }

  /** Set.RecursiveDifference: a member of other also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    const children: Child[] = [];
    walkBoth(this.children, other.children, childPE, (a, b) => {
      if (a === undefined || other.hasMember(a.pe)) return;
      if (b === undefined) {
        children.push(a);
        return;
      }
      const s = a.set.recursiveDifference(b.set);
      if (!s.empty()) children.push({ pe: a.pe, set: s });
    });
    return FieldSet.fromSorted(mergeMembers(this.members, other.members, 'difference'), children);
  }

  /** Set.Leaves: members that have no children. */
  leaves(): FieldSet {
    const members = this.members.filter((m) => !search(this.children, m, childPE)[1]);
    return FieldSet.fromSorted(members, this.children.map((c) => ({ pe: c.pe, set: c.set.leaves() })));
  }

  /** Every path, in upstream's iteration order: this level's members, then each child's paths. */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (s: FieldSet, prefix: Path): void => {
      for (const m of s.members) out.push([...prefix, m]);
      for (const c of s.children) walk(c.set, [...prefix, c.pe]);
    };
    walk(this, []);
    return out;
  }

  /** Set.String: one path per line. */
  toString(): string {
    return this.paths().map(pathString).join('\n');
  }

  /** The FieldsV1 object (keys in upstream's order). */
  toFieldsV1(): Record<string, unknown> {
    return emitObject(this, false);
  }

  /** The FieldsV1 JSON text exactly as kube-apiserver writes it. */
  toFieldsV1Json(): string {
    return emitText(this, false);
  }

  /** Parses FieldsV1 (the JSON text or the decoded object), as upstream's Set.FromJSON. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const decoded: unknown = typeof fields === 'string' ? JSON.parse(fields) : fields;
    if (!isMap(decoded)) throw new Error('FieldsV1 must be a JSON object');
    return readLevel(decoded).children ?? FieldSet.EMPTY;
  }
}

/** Builds a set by insertion; only ever touches nodes it created itself. */
export class FieldSetBuilder {
  private readonly members: PathElement[] = [];
  private readonly children: { pe: PathElement; node: FieldSetBuilder }[] = [];

  insert(path: Path): this {
    if (path.length === 0) return this;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking down the trie
    let node: FieldSetBuilder = this;
    for (let i = 0; i < path.length - 1; i++) {
      const pe = path[i];
      if (pe === undefined) return this;
      node = node.descend(pe);
    }
    const last = path[path.length - 1];
    if (last !== undefined) node.insertMember(last);
    return this;
  }

  insertMember(pe: PathElement): void {
    const [i, found] = search(this.members, pe, selfPE);
    if (!found) this.members.splice(i, 0, pe);
  }

  descend(pe: PathElement): FieldSetBuilder {
    const [i, found] = search(this.children, pe, (c) => c.pe);
    const existing = found ? this.children[i] : undefined;
    if (existing) return existing.node;
    const node = new FieldSetBuilder();
    this.children.splice(i, 0, { pe, node });
    return node;
  }

  /** Replaces the subtree under pe (FromJSON's behaviour for a key seen twice). */
  replaceChild(pe: PathElement, node: FieldSetBuilder): void {
    const [i, found] = search(this.children, pe, (c) => c.pe);
    this.children.splice(i, found ? 1 : 0, { pe, node });
  }

  build(): FieldSet {
    return FieldSet.fromSorted([...this.members], this.children.map((c) => ({ pe: c.pe, set: c.node.build() })));
  }
}

type Mode = 'union' | 'intersection' | 'difference';

function walkBoth<T>(a: readonly T[], b: readonly T[], get: (t: T) => PathElement, f: (x: T | undefined, y: T | undefined) => void): void {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x === undefined) {
      f(undefined, y);
      j++;
    } else if (y === undefined) {
      f(x, undefined);
      i++;
    } else {
      const c = comparePathElements(get(x), get(y));
      if (c < 0) {
        f(x, undefined);
        i++;
      } else if (c > 0) {
        f(undefined, y);
        j++;
      } else {
        f(x, y);
        i++;
        j++;
      }
    }
  }
}

function mergeMembers(a: readonly PathElement[], b: readonly PathElement[], mode: Mode): PathElement[] {
  const out: PathElement[] = [];
  walkBoth(a, b, selfPE, (x, y) => {
    if (mode === 'union') {
      const v = x ?? y;
      if (v !== undefined) out.push(v);
    } else if (mode === 'intersection') {
      if (x !== undefined && y !== undefined) out.push(x);
    } else if (x !== undefined && y === undefined) out.push(x);
  });
  return out;
}

function unionChildren(a: readonly Child[], b: readonly Child[]): Child[] {
  const out: Child[] = [];
  walkBoth(a, b, childPE, (x, y) => {
    if (x !== undefined && y !== undefined) out.push({ pe: x.pe, set: x.set.union(y.set) });
    else {
      const v = x ?? y;
      if (v !== undefined) out.push(v);
    }
  });
  return out;
}

// --- FieldsV1 ----------------------------------------------------------------------------------

/** Walks a level in upstream's emit order: members and children merged by path element order. */
function emitEntries(s: FieldSet, includeSelf: boolean, emit: (key: string, value: FieldSet | null, self: boolean) => void): void {
  if (includeSelf && (s.members.length > 0 || s.children.length > 0)) emit('.', null, false);
  let mi = 0;
  let ci = 0;
  while (mi < s.members.length || ci < s.children.length) {
    const m = s.members[mi];
    const c = s.children[ci];
    const cmp = m === undefined ? 1 : c === undefined ? -1 : comparePathElements(m, c.pe);
    if (cmp < 0 && m !== undefined) {
      emit(serializePathElement(m), null, false);
      mi++;
    } else if (cmp > 0 && c !== undefined) {
      emit(serializePathElement(c.pe), c.set, false);
      ci++;
    } else if (c !== undefined) {
      emit(serializePathElement(c.pe), c.set, true);
      mi++;
      ci++;
    }
  }
}

function emitObject(s: FieldSet, includeSelf: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  emitEntries(s, includeSelf, (key, child, self) => {
    out[key] = child === null ? {} : emitObject(child, self);
  });
  return out;
}

function emitText(s: FieldSet, includeSelf: boolean): string {
  const parts: string[] = [];
  emitEntries(s, includeSelf, (key, child, self) => {
    parts.push(`${goJSONString(key)}:${child === null ? '{}' : emitText(child, self)}`);
  });
  return `{${parts.join(',')}}`;
}

/** readIterV1: a level's children, and whether the level is itself a member of its parent. */
function readLevel(obj: Record<string, unknown>): { children: FieldSet | undefined; isMember: boolean } {
  let isMember = false;
  let builder: FieldSetBuilder | undefined;
  for (const [key, value] of Object.entries(obj)) {
    if (key === '.') {
      isMember = true;
      continue;
    }
    let pe: PathElement;
    try {
      pe = parsePathElement(key);
    } catch (err) {
      // A future kind of path element: dropped rather than kept half-understood, as upstream.
      if (err instanceof UnknownPathElementError) continue;
      throw new Error(`parsing key as path element: ${(err as Error).message}`, { cause: err });
    }
    // json-iterator reads `null` where an object is expected as an empty object.
    const inner = value === null ? {} : value;
    if (!isMap(inner)) throw new Error(`FieldsV1 value of ${JSON.stringify(key)} must be an object`);
    const sub = readLevel(inner);
    builder ??= new FieldSetBuilder();
    if (sub.isMember) builder.insertMember(pe);
    if (sub.children !== undefined) builder.replaceChild(pe, toBuilder(sub.children));
  }
  if (builder === undefined) return { children: undefined, isMember: true };
  return { children: builder.build(), isMember };
}

function toBuilder(s: FieldSet): FieldSetBuilder {
  const b = new FieldSetBuilder();
  for (const m of s.members) b.insertMember(m);
  for (const c of s.children) b.replaceChild(c.pe, toBuilder(c.set));
  return b;
}

// --- the fields an object sets ----------------------------------------------------------------

/**
 * typed.ToFieldSet: every leaf an object sets, plus the items of associative lists (keyed or
 * by value), free map keys, and empty or null maps. Atomic lists and maps count as one leaf;
 * duplicated list items count as one leaf at their name and nothing below.
 */
export function fieldSetOf(value: unknown, type: TypeRef): FieldSet {
  const b = new FieldSetBuilder();
  walkFields(value, type, [], b);
  return b.build();
}

function walkFields(value: unknown, type: TypeRef, path: PathElement[], b: FieldSetBuilder): void {
  const atom: Atom = atomOf(type, value, path);
  if (atom.kind === 'scalar') {
    b.insert(path);
    return;
  }
  if (atom.kind === 'list') {
    const t = atom.type;
    if (t.listType === 'atomic') {
      b.insert(path);
      return;
    }
    if (!Array.isArray(value)) return;
    const pes = value.map((item) => listItemElement(t, item));
    const seenKeys: PathElement[] = [];
    const dupKeys: PathElement[] = [];
    for (const pe of pes) {
      if (typeof pe === 'string') continue; // upstream ignores unnamed items here (validation reports them)
      if (search(seenKeys, pe, selfPE)[1]) {
        if (!search(dupKeys, pe, selfPE)[1]) {
          b.insert([...path, pe]);
          insertSorted(dupKeys, pe);
        }
      } else insertSorted(seenKeys, pe);
    }
    value.forEach((item, i) => {
      const pe = pes[i];
      if (pe === undefined || typeof pe === 'string' || search(dupKeys, pe, selfPE)[1]) return;
      const childPath = [...path, pe];
      walkFields(item, t.elements, childPath, b);
      b.insert(childPath);
    });
    return;
  }
  const t = atom.type;
  if (t.mapType === 'atomic') {
    b.insert(path);
    return;
  }
  if (!isMap(value)) return;
  for (const [key, val] of Object.entries(value)) {
    if (val === undefined) continue; // not JSON: a property left undefined is no field
    const childPath = [...path, fieldElement(key)];
    walkFields(val, fieldType(t, key), childPath, b);
    if (val === null || (isMap(val) && Object.keys(val).length === 0) || t.field(key) === undefined) {
      b.insert(childPath);
    }
  }
}

function insertSorted(list: PathElement[], pe: PathElement): void {
  const [i, found] = search(list, pe, selfPE);
  if (!found) list.splice(i, 0, pe);
}

/**
 * Set.EnsureNamedFieldsAreMembers: a declared struct field that has children also becomes a
 * member, so that removing it removes the whole field (used when pruning what a manager dropped).
 */
export function ensureNamedFieldsAreMembers(s: FieldSet, type: TypeRef | undefined): FieldSet {
  const b = new FieldSetBuilder();
  for (const m of s.members) b.insertMember(m);
  const children: Child[] = [];
  for (const c of s.children) {
    let childType: TypeRef | undefined;
    if (c.pe.kind === 'field' && type?.kind === 'map') {
      if (type.field(c.pe.name) !== undefined) b.insertMember(c.pe);
      childType = fieldType(type, c.pe.name);
    } else if (c.pe.kind === 'field' && type?.kind === 'deduced') {
      // A deduced map declares no fields; its values are deduced again.
      childType = type;
    } else if (c.pe.kind === 'key' && type?.kind === 'list') {
      childType = type.elements;
    }
    children.push({ pe: c.pe, set: ensureNamedFieldsAreMembers(c.set, childType) });
  }
  const members = b.build().members;
  return FieldSet.fromSorted(members, children);
}
