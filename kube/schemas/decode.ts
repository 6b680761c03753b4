// kube's JSON decoder (sigs.k8s.io/json, a fork of encoding/json, decoding into the Go structs of
// k8s.io/api), driven by the 1.32 schemas: a decoded body is walked against its kind's definition
// once, and gives
//   - the decoder's error, worded as Go words it: `json: cannot unmarshal number into Go struct
//     field ObjectMeta.metadata.name of type string` (the innermost Go struct, the JSON path from
//     the root without indices or map keys, the Go type), the errors of the types that parse a
//     string (metav1.Time, MicroTime, resource.Quantity, intstr.IntOrString) and of base64 for
//     []byte; like Go, a mismatch is remembered and the walk goes on (the first one in document
//     order wins), while an error of a type's own UnmarshalJSON ends the decoding at once;
//   - the strict decoding errors of UnmarshalStrict, in document order: `unknown field
//     "spec.containers[0].comand"` and, from the duplicate keys the body parser found, `duplicate
//     field "spec.paused"` (a key repeated in a struct or a map; unknown ones count as unknown);
//   - the object as Go would store it: unknown fields pruned, a null list item or map value set to
//     its type's zero value, null metadata fields dropped.
// Values the decoder keeps as they are (RawExtension, FieldsV1, JSON: x-kubernetes-preserve-
// unknown-fields) are neither checked nor pruned. The Go type names the schemas cannot say (named
// string and map types such as v1.Protocol, types.UID, v1.ResourceList) come from go-types.ts.
//
// A walker per root definition is compiled once from the schemas into a tree of small nodes and
// shared by every later call (a hand-written walker, not a JSON-schema validator: Go's order of
// errors, its messages and the in-place pruning are what the walk is for).
import { goQuote } from '../go-quote.ts';
import { GO_TYPE_NAMES } from './go-types.ts';
import { base64Error, QUANTITY_FORMAT_ERROR, quantityError, timeParseError } from './go-scalars.ts';
import { definition, flatten, kindSchemaName, refName, type Schema } from './schemas.ts';

/** A decoding error: Go's message, and the field at fault as a field.Path string (for the Status cause). */
export interface JsonTypeError {
  message: string;
  field: string;
}

export type StrictErrorType = 'unknown field' | 'duplicate field';

/** One strict decoding error: an unknown or a duplicate field, at its path in upstream's form. */
export interface StrictError {
  type: StrictErrorType;
  /** `spec.containers[0].comand`: struct fields and map keys after a dot, list indices in brackets. */
  path: string;
}

/**
 * Where a JSON text repeats keys (JSON.parse keeps the last value silently): for each object that
 * does, its keys in document order with the repeats; and the way down to such objects.
 */
export interface DuplicateTree {
  keys?: readonly string[];
  /** By key (objects) or index (arrays). */
  children?: ReadonlyMap<string | number, DuplicateTree>;
}

export interface DecodeOptions {
  /** Collect strict decoding errors (fieldValidation Strict or Warn). Default false. */
  strict?: boolean;
  /** The duplicate keys of the body the object was parsed from (JSON bodies). */
  duplicates?: DuplicateTree;
  /**
   * Walk object keys in sorted order: the order Go sees after converting YAML to JSON or
   * marshalling a patched map, which decides which error comes first. Default: document order.
   */
  sortedKeys?: boolean;
  /** Remove unknown fields from an object that decodes. Default true. */
  prune?: boolean;
}

export interface DecodeResult {
  /** The decoder's error: the object is refused (and left as it was, apart from zero values). */
  error?: JsonTypeError;
  /** The strict errors, in the decoder's order (at most 100), when options.strict. */
  strict: StrictError[];
}

/** The decoding of one root definition, compiled once. */
export interface Decoder {
  readonly definition: string;
  decode(obj: Record<string, unknown>, options?: DecodeOptions): DecodeResult;
}

/**
 * How deep a value may nest. encoding/json stops at 10000 levels (the scanner's
 * maxNestingDepth); Node's structuredClone and JSON.stringify run out of stack between 2000 and
 * 5000, so nodelet stops at 1000, with the decoder's words. Built-in kinds nest about 15 deep.
 */
export const MAX_NESTING_DEPTH = 1000;

/** encoding/json's error for a document nested too deep. */
export const NESTING_ERROR = 'exceeded max depth';

/** Whether value nests objects and arrays deeper than limit (iterative: safe on any input). */
export function nestsDeeperThan(value: unknown, limit = MAX_NESTING_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, depth] = next;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** `unknown field "spec.x"`, as sigs.k8s.io/json words a strict error. */
export function strictErrorMessage(e: StrictError): string {
  return `${e.type} ${goQuote(e.path)}`;
}

// ---- the compiled tree ------------------------------------------------------------------------

type LeafKind = 'string' | 'bool' | 'int' | 'float' | 'bytes' | 'time' | 'microtime' | 'quantity' | 'intOrString' | 'raw' | 'interface';

interface StructNode {
  readonly kind: 'struct';
  /** reflect.Type.String(): v1.Container. */
  readonly go: string;
  /** The Go struct's name in "Go struct field Container.…". */
  readonly name: string;
  readonly fields: Map<string, Node>;
}
interface ListNode { readonly kind: 'slice'; readonly go: string; readonly of: Node }
interface MapNode { readonly kind: 'map'; readonly go: string; readonly of: Node }
interface LeafNode { readonly kind: LeafKind; readonly go: string; readonly min: number; readonly max: number }
type Node = StructNode | ListNode | MapNode | LeafNode;

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [-(2 ** 63), 2 ** 63],
  int: [-(2 ** 63), 2 ** 63],
  uint8: [0, 255],
};

const leaf = (kind: LeafKind, go: string, range: readonly [number, number] = [0, 0]): LeafNode => ({ kind, go, min: range[0], max: range[1] });

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const SPECIAL: Readonly<Record<string, LeafNode>> = {
  [`${META}.Time`]: leaf('time', 'v1.Time'),
  [`${META}.MicroTime`]: leaf('microtime', 'v1.MicroTime'),
  'io.k8s.apimachinery.pkg.api.resource.Quantity': leaf('quantity', 'resource.Quantity'),
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': leaf('intOrString', 'intstr.IntOrString', INT_RANGES['int32']),
};

const structs = new Map<string, StructNode>();

/** The Go name of a definition's type: io.k8s.api.core.v1.Container → v1.Container. */
function goTypeOf(def: string): string {
  const parts = def.split('.');
  return `${parts[parts.length - 2] ?? ''}.${parts[parts.length - 1] ?? ''}`;
}

function compileDefinition(name: string): Node {
  const special = SPECIAL[name];
  if (special !== undefined) return special;
  const known = structs.get(name);
  if (known !== undefined) return known;
  const def = definition(name);
  if (def === undefined) return leaf('raw', 'interface {}');
  if (def['x-kubernetes-preserve-unknown-fields'] === true) return leaf('raw', goTypeOf(name));
  const props = def['properties'];
  if (def['type'] === 'object' && typeof props === 'object' && props !== null) {
    const node: StructNode = { kind: 'struct', go: goTypeOf(name), name: name.slice(name.lastIndexOf('.') + 1), fields: new Map() };
    structs.set(name, node);
    const names = GO_TYPE_NAMES[name];
    for (const [field, schema] of Object.entries(props as Record<string, Schema>)) {
      const override = names?.[field];
      node.fields.set(field, compileSchema(schema, override === undefined ? undefined : override.split('|'), 0));
    }
    return node;
  }
  return compileSchema(def, undefined, 0);
}

function compileSchema(raw: Schema, names: readonly string[] | undefined, level: number): Node {
  const { schema, definition: def } = flatten(raw);
  if (def !== undefined) {
    const node = compileDefinition(def);
    const go = names?.[level];
    return go === undefined || node.kind === 'struct' || node.go === go ? node : { ...node, go };
  }
  const named = names?.[level];
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return leaf('raw', named ?? 'interface {}');
  const format = typeof schema['format'] === 'string' ? schema['format'] : undefined;
  switch (schema['type']) {
    case 'string':
      if (format === 'byte') return leaf('bytes', named ?? '[]uint8');
      return leaf('string', named ?? 'string');
    case 'integer': {
      const go = format === 'int32' ? 'int32' : 'int64';
      return leaf('int', named ?? go, INT_RANGES[go]);
    }
    case 'number':
      return leaf('float', named ?? 'float64');
    case 'boolean':
      return leaf('bool', named ?? 'bool');
    case 'array': {
      const items = schema['items'];
      const of = typeof items === 'object' && items !== null ? compileSchema(items as Schema, names, level + 1) : leaf('interface', 'interface {}');
      return { kind: 'slice', go: named ?? `[]${of.go}`, of };
    }
    case 'object': {
      const values = schema['additionalProperties'];
      if (typeof values === 'object' && values !== null) {
        const of = compileSchema(values as Schema, names, level + 1);
        return { kind: 'map', go: named ?? `map[string]${of.go}`, of };
      }
      return leaf('interface', named ?? 'map[string]interface {}');
    }
    default:
      return leaf('raw', named ?? 'interface {}');
  }
}

/** The zero value a null list item or map value decodes to, where it is not null. */
function zero(node: Node): unknown {
  switch (node.kind) {
    case 'struct': return {};
    case 'string': return '';
    case 'int': case 'intOrString': case 'float': return 0;
    case 'bool': return false;
    case 'quantity': return '0';
    default: return null;
  }
}

// ---- the walk ---------------------------------------------------------------------------------

const FIELD = 0;
const INDEX = 1;
const KEY = 2;
const MAX_STRICT_ERRORS = 100;

/** An error of a type's own UnmarshalJSON (or the nesting limit): the decoder stops there. */
class Stop extends Error {
  constructor(readonly detail: JsonTypeError) {
    super(detail.message);
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** A JSON number as the decoder quotes it in `number <literal>`. */
function literal(n: number): string {
  return String(n).replace('e+', 'e');
}

class Walk {
  private readonly segs: (string | number)[] = [];
  private readonly kinds: number[] = [];
  private readonly owners: string[] = [];
  private n = 0;
  saved: JsonTypeError | undefined;
  readonly strict: StrictError[] = [];
  private seen: Set<string> | undefined;
  /** Unknown fields to remove once the object decodes: object, key, object, key… */
  readonly prune: unknown[] = [];

  constructor(private readonly collect: boolean, private readonly sorted: boolean) {}

  // -- paths, built only when something is reported

  private fieldStack(): { owner: string; stack: string } | undefined {
    let owner: string | undefined;
    let stack = '';
    for (let i = 0; i < this.n; i++) {
      if (this.kinds[i] !== FIELD) continue;
      stack = stack === '' ? String(this.segs[i]) : `${stack}.${String(this.segs[i])}`;
      owner = this.owners[i];
    }
    return owner === undefined ? undefined : { owner, stack };
  }

  private causePath(): string {
    let out = '';
    for (let i = 0; i < this.n; i++) {
      const s = String(this.segs[i]);
      if (this.kinds[i] === FIELD) out = i === 0 ? s : `${out}.${s}`;
      else out = `${out}[${s}]`;
    }
    return out;
  }

  private strictPath(key: string): string {
    let out = '';
    for (let i = 0; i < this.n; i++) {
      const s = String(this.segs[i]);
      out = this.kinds[i] === INDEX ? `${out}[${s}]` : i === 0 ? s : `${out}.${s}`;
    }
    return out === '' ? key : `${out}.${key}`;
  }

  private mismatch(value: string, go: string): JsonTypeError {
    const at = this.fieldStack();
    const into = at === undefined ? 'Go value' : `Go struct field ${at.owner}.${at.stack}`;
    return { message: `json: cannot unmarshal ${value} into ${into} of type ${go}`, field: this.causePath() };
  }

  private save(err: JsonTypeError): void {
    this.saved ??= err;
  }

  private report(type: StrictErrorType, key: string): void {
    if (!this.collect || this.saved !== undefined || this.strict.length >= MAX_STRICT_ERRORS) return;
    const path = this.strictPath(key);
    const id = `${type} ${path}`;
    this.seen ??= new Set();
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.strict.push({ type, path });
  }

  private push(seg: string | number, kind: number, owner: string): void {
    const i = this.n++;
    this.segs[i] = seg;
    this.kinds[i] = kind;
    this.owners[i] = owner;
  }

  /** A value nobody decodes (unknown, or kept raw): only its nesting counts. */
  private opaque(v: unknown, depth: number): void {
    if (typeof v === 'object' && v !== null && nestsDeeperThan(v, MAX_NESTING_DEPTH - depth + 1)) throw new Stop({ message: NESTING_ERROR, field: '' });
  }

  // -- values; depth is v's own nesting depth (the root object is 1)

  visit(v: unknown, node: Node, depth: number, dup: DuplicateTree | undefined): void {
    switch (node.kind) {
      case 'struct': this.struct(v, node, depth, dup); return;
      case 'slice': this.slice(v, node, depth, dup); return;
      case 'map': this.map(v, node, depth, dup); return;
      case 'string': if (typeof v !== 'string') this.save(this.mismatch(jsonKind(v), node.go)); return;
      case 'bool': if (typeof v !== 'boolean') this.save(this.mismatch(jsonKind(v), node.go)); return;
      case 'float': if (typeof v !== 'number') this.save(this.mismatch(jsonKind(v), node.go)); return;
      case 'int':
        if (typeof v !== 'number') this.save(this.mismatch(jsonKind(v), node.go));
        else if (!Number.isInteger(v) || v < node.min || v > node.max) this.save(this.mismatch(`number ${literal(v)}`, node.go));
        return;
      case 'bytes': {
        if (typeof v !== 'string') {
          this.save(this.mismatch(jsonKind(v), node.go));
          return;
        }
        const err = base64Error(v);
        if (err !== undefined) this.save({ message: err, field: this.causePath() });
        return;
      }
      case 'time': case 'microtime': {
        // Time.UnmarshalJSON decodes a string first, then time.Parse
        if (typeof v !== 'string') throw new Stop(this.mismatch(jsonKind(v), 'string'));
        const err = timeParseError(v, node.kind === 'microtime');
        if (err !== undefined) throw new Stop({ message: err, field: this.causePath() });
        return;
      }
      case 'quantity': {
        const err = typeof v === 'string' ? quantityError(v.trim()) : typeof v === 'number' ? quantityError(String(v)) : QUANTITY_FORMAT_ERROR;
        if (err !== undefined) throw new Stop({ message: err, field: this.causePath() });
        return;
      }
      case 'intOrString':
        // IntOrString.UnmarshalJSON: a string, else json.Unmarshal into an int32
        if (typeof v === 'string') return;
        if (typeof v !== 'number') throw new Stop(this.mismatch(jsonKind(v), 'int32'));
        if (!Number.isInteger(v) || v < node.min || v > node.max) throw new Stop(this.mismatch(`number ${literal(v)}`, 'int32'));
        return;
      case 'interface':
        this.opaque(v, depth);
        if (dup !== undefined) this.allDuplicates(dup);
        return;
      case 'raw':
        this.opaque(v, depth);
        return;
    }
  }

  private keysOf(obj: Record<string, unknown>): readonly string[] | undefined {
    return this.sorted ? Object.keys(obj).sort() : undefined;
  }

  private struct(v: unknown, node: StructNode, depth: number, dup: DuplicateTree | undefined): void {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.save(this.mismatch(jsonKind(v), node.go));
      return;
    }
    if (depth > MAX_NESTING_DEPTH) throw new Stop({ message: NESTING_ERROR, field: '' });
    const obj = v as Record<string, unknown>;
    if (dup?.keys !== undefined) {
      this.repeatedStruct(obj, node, depth, dup.keys, dup.children);
      return;
    }
    const keys = this.keysOf(obj);
    if (keys === undefined) {
      for (const k in obj) this.member(obj, k, node, depth, dup?.children?.get(k));
    } else {
      for (const k of keys) this.member(obj, k, node, depth, dup?.children?.get(k));
    }
  }

  private member(obj: Record<string, unknown>, k: string, node: StructNode, depth: number, dup: DuplicateTree | undefined): void {
    const child = node.fields.get(k);
    if (child === undefined) {
      this.report('unknown field', k);
      this.opaque(obj[k], depth + 1);
      this.prune.push(obj, k);
      return;
    }
    const x = obj[k];
    if (x === null || x === undefined) return;
    this.push(k, FIELD, node.name);
    this.visit(x, child, depth + 1, dup);
    this.n--;
  }

  /** A struct whose JSON repeated keys: Go's order of unknown and duplicate errors; JSON.parse kept the last value. */
  private repeatedStruct(obj: Record<string, unknown>, node: StructNode, depth: number, keys: readonly string[], children: DuplicateTree['children']): void {
    const last = new Map<string, number>();
    keys.forEach((k, i) => last.set(k, i));
    const seen = new Set<string>();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] ?? '';
      const isLast = last.get(k) === i;
      if (!node.fields.has(k)) {
        if (isLast) this.member(obj, k, node, depth, undefined);
        else this.report('unknown field', k);
        continue;
      }
      if (seen.has(k)) this.report('duplicate field', k);
      seen.add(k);
      if (isLast) this.member(obj, k, node, depth, children?.get(k));
    }
  }

  private slice(v: unknown, node: ListNode, depth: number, dup: DuplicateTree | undefined): void {
    if (!Array.isArray(v)) {
      this.save(this.mismatch(jsonKind(v), node.go));
      return;
    }
    if (depth > MAX_NESTING_DEPTH) throw new Stop({ message: NESTING_ERROR, field: '' });
    const of = node.of;
    const children = dup?.children;
    for (let i = 0; i < v.length; i++) {
      let x: unknown = v[i];
      if (x === null || x === undefined) {
        x = zero(of);
        v[i] = x;
        if (x === null) continue;
      }
      this.push(i, INDEX, '');
      this.visit(x, of, depth + 1, children?.get(i));
      this.n--;
    }
  }

  private map(v: unknown, node: MapNode, depth: number, dup: DuplicateTree | undefined): void {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.save(this.mismatch(jsonKind(v), node.go));
      return;
    }
    if (depth > MAX_NESTING_DEPTH) throw new Stop({ message: NESTING_ERROR, field: '' });
    const obj = v as Record<string, unknown>;
    const repeated = dup?.keys;
    if (repeated !== undefined) {
      const last = new Map<string, number>();
      repeated.forEach((k, i) => last.set(k, i));
      const seen = new Set<string>();
      for (let i = 0; i < repeated.length; i++) {
        const k = repeated[i] ?? '';
        if (seen.has(k)) this.report('duplicate field', k);
        seen.add(k);
        if (last.get(k) === i) this.entry(obj, k, node.of, depth, dup?.children?.get(k));
      }
      return;
    }
    const keys = this.keysOf(obj);
    if (keys === undefined) {
      for (const k in obj) this.entry(obj, k, node.of, depth, dup?.children?.get(k));
    } else {
      for (const k of keys) this.entry(obj, k, node.of, depth, dup?.children?.get(k));
    }
  }

  private entry(obj: Record<string, unknown>, k: string, of: Node, depth: number, dup: DuplicateTree | undefined): void {
    let x = obj[k];
    if (x === null || x === undefined) {
      x = zero(of);
      obj[k] = x;
      if (x === null) return;
    }
    this.push(k, KEY, '');
    this.visit(x, of, depth + 1, dup);
    this.n--;
  }

  /** Every repeated key under an interface{} value (decoded into maps: all of them are duplicates). */
  private allDuplicates(dup: DuplicateTree): void {
    const keys = dup.keys;
    const children = dup.children;
    if (keys === undefined) {
      for (const [k, child] of children ?? []) {
        this.push(k, typeof k === 'number' ? INDEX : KEY, '');
        this.allDuplicates(child);
        this.n--;
      }
      return;
    }
    const last = new Map<string, number>();
    keys.forEach((k, i) => last.set(k, i));
    const seen = new Set<string>();
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] ?? '';
      if (seen.has(k)) this.report('duplicate field', k);
      seen.add(k);
      const child = children?.get(k);
      if (last.get(k) === i && child !== undefined) {
        this.push(k, KEY, '');
        this.allDuplicates(child);
        this.n--;
      }
    }
  }
}

function run(root: Node, obj: unknown, options: DecodeOptions): { walk: Walk; error: JsonTypeError | undefined } {
  const walk = new Walk(options.strict === true, options.sortedKeys === true);
  let error: JsonTypeError | undefined;
  try {
    walk.visit(obj, root, 1, options.duplicates);
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    error = err.detail;
  }
  error ??= walk.saved;
  // the scanner refuses a document nested too deep before anything is decoded
  if (error !== undefined && error.message !== NESTING_ERROR && nestsDeeperThan(obj)) error = { message: NESTING_ERROR, field: '' };
  return { walk, error };
}

/** Null metadata fields are absent once decoded (every ObjectMeta field is omitempty). */
function dropNullMetadata(obj: Record<string, unknown>): void {
  const m = obj['metadata'];
  if (m === null) {
    delete obj['metadata'];
    return;
  }
  if (typeof m !== 'object' || Array.isArray(m)) return;
  const meta = m as Record<string, unknown>;
  for (const k of Object.keys(meta)) if (meta[k] === null) Reflect.deleteProperty(meta, k);
}

class CompiledDecoder implements Decoder {
  private readonly hasMetadata: boolean;

  constructor(readonly definition: string, private readonly root: Node) {
    this.hasMetadata = root.kind === 'struct' && root.fields.get('metadata')?.go === 'v1.ObjectMeta';
  }

  decode(obj: Record<string, unknown>, options: DecodeOptions = {}): DecodeResult {
    const { walk, error } = run(this.root, obj, options);
    if (error !== undefined) return { error, strict: [] };
    if (options.prune !== false) {
      const p = walk.prune;
      for (let i = 0; i < p.length; i += 2) Reflect.deleteProperty(p[i] as object, p[i + 1] as string);
    }
    if (this.hasMetadata) dropNullMetadata(obj);
    return { strict: walk.strict };
  }
}

const decoders = new Map<string, Decoder>();

/** The decoder of a definition (compiled on first use, then shared). */
export function decoderFor(definitionName: string): Decoder {
  let d = decoders.get(definitionName);
  if (d === undefined) {
    d = new CompiledDecoder(definitionName, compileDefinition(refName(definitionName)));
    decoders.set(definitionName, d);
  }
  return d;
}

/** The decoder of a kind, or undefined when no schema describes it (custom resources). */
export function decoderForKind(group: string, version: string, kind: string): Decoder | undefined {
  const name = kindSchemaName(group, version, kind);
  return name === undefined ? undefined : decoderFor(name);
}

/**
 * The Go type names at each level of a field (the field, its items or values, theirs…): what
 * the messages say, from the schemas and go-types.ts.
 */
export function goTypeNames(definitionName: string, field: string): string[] {
  const root = compileDefinition(definitionName);
  let node = root.kind === 'struct' ? root.fields.get(field) : undefined;
  const out: string[] = [];
  while (node !== undefined) {
    out.push(node.go);
    node = node.kind === 'slice' || node.kind === 'map' ? node.of : undefined;
  }
  return out;
}

// ---- a JSON patch's operations ----------------------------------------------------------------

const JSON_PATCH_OPS: Node = {
  kind: 'slice',
  go: '[]handlers.jsonPatchOp',
  of: {
    kind: 'struct',
    go: 'handlers.jsonPatchOp',
    name: 'jsonPatchOp',
    fields: new Map<string, Node>([
      ['op', leaf('string', 'string')], ['path', leaf('string', 'string')], ['from', leaf('string', 'string')], ['value', leaf('interface', 'interface {}')],
    ]),
  },
};

/**
 * A JSON patch decoded strictly into the patch handler's []jsonPatchOp (what fieldValidation
 * Strict and Warn add): the type error, and the unknown and duplicate fields of the operations
 * (`[0].foo`, `[1].path`, `[2].value.a`). Nothing is pruned.
 */
export function decodeJsonPatchOps(ops: unknown[], duplicates: DuplicateTree | undefined): DecodeResult {
  const { walk, error } = run(JSON_PATCH_OPS, ops, { strict: true, ...(duplicates === undefined ? {} : { duplicates }) });
  return error === undefined ? { strict: walk.strict } : { error, strict: [] };
}

/** The duplicate keys of a JSON text decoded into a map[string]interface{} (merge and strategic patches). */
export function duplicateFieldErrors(duplicates: DuplicateTree | undefined): StrictError[] {
  if (duplicates === undefined) return [];
  const { walk } = run(leaf('interface', 'map[string]interface {}'), {}, { strict: true, duplicates });
  return walk.strict;
}
