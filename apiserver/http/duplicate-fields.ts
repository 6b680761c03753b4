// Duplicate keys in request bodies, which the parsers drop silently (JSON.parse and YAML keep the
// last value) and kube's strict decoding reports:
//   - JSON: one linear scan of the text, tracking each object's keys, gives a DuplicateTree (the
//     keys, repeats included, of every object that repeats one, and the way down to them) that
//     the schema-driven decoder turns into `duplicate field "spec.paused"` where Go would;
//   - YAML: goyaml's strict conversion to JSON words them per line, `line 12: key "paused"
//     already set in map` (the line of the repeated key's value), for every mapping of the
//     document, known fields or not.
// Pure; the texts are already known to parse.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { DuplicateTree } from '../../kube/schemas/decode.ts';
import { goQuote } from '../api/errors.ts';

interface Frame {
  object: boolean;
  /** Where this value sits in its parent: a key or an index. */
  at: string | number;
  keys: string[];
  set: Set<string> | undefined;
  repeated: boolean;
  expectKey: boolean;
  index: number;
  children: Map<string | number, DuplicateTree> | undefined;
}

const SMALL = 12;

function newFrame(): Frame {
  return { object: false, at: '', keys: [], set: undefined, repeated: false, expectKey: false, index: 0, children: undefined };
}

/** What one pass over a JSON text finds: its deepest nesting, and the keys its objects repeat. */
export interface JsonScan {
  /** The deepest nesting of objects and arrays. */
  depth: number;
  /** Undefined when no object repeats a key. */
  duplicates: DuplicateTree | undefined;
}

/**
 * One linear pass over a JSON text (strings skipped with indexOf): the nesting depth and the
 * duplicate keys. Frames are reused by depth, so an object costs its key list and nothing more
 * unless it repeats a key. On text that does not parse the answer is partial, never an error.
 */
export function scanJson(text: string): JsonScan {
  const frames: Frame[] = [];
  let level = 0; // frames[level - 1] is the innermost open value
  let max = 0;
  let result: DuplicateTree | undefined;
  let nextEscape = text.indexOf('\\');
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: its closing quote is the first one not escaped
      let j = text.indexOf('"', i + 1);
      if (nextEscape >= 0 && nextEscape < j) {
        while (j > 0) {
          let b = j - 1;
          while (text.charCodeAt(b) === 0x5c) b--;
          if ((j - 1 - b) % 2 === 0) break;
          j = text.indexOf('"', j + 1);
        }
      }
      if (j < 0) break;
      const top = level > 0 ? frames[level - 1] : undefined;
      if (top?.expectKey === true) {
        let key = text.slice(i + 1, j);
        if (nextEscape >= 0 && nextEscape < j) key = JSON.parse(`"${key}"`) as string;
        top.expectKey = false;
        const keys = top.keys;
        if (top.set === undefined && keys.length >= SMALL) top.set = new Set(keys);
        if (top.set === undefined ? keys.includes(key) : top.set.has(key)) top.repeated = true;
        else top.set?.add(key);
        keys.push(key);
      }
      if (nextEscape >= 0 && nextEscape < j) nextEscape = text.indexOf('\\', j);
      i = j;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      const parent = level > 0 ? frames[level - 1] : undefined;
      const f = frames[level] ?? (frames[level] = newFrame());
      f.object = c === 0x7b;
      f.at = parent === undefined ? '' : parent.object ? (parent.keys[parent.keys.length - 1] ?? '') : parent.index;
      f.keys.length = 0;
      f.set = undefined;
      f.repeated = false;
      f.expectKey = f.object;
      f.index = 0;
      f.children = undefined;
      level++;
      if (level > max) max = level;
      continue;
    }
    if (c === 0x7d || c === 0x5d) {
      if (level === 0) continue;
      level--;
      const done = frames[level] as Frame;
      if (!done.repeated && done.children === undefined) continue;
      const node: { keys?: readonly string[]; children?: ReadonlyMap<string | number, DuplicateTree> } = {};
      if (done.repeated) {
        node.keys = done.keys;
        done.keys = [];
      }
      if (done.children !== undefined) node.children = done.children;
      const parent = level > 0 ? frames[level - 1] : undefined;
      if (parent === undefined) result = node;
      else (parent.children ??= new Map()).set(done.at, node);
      continue;
    }
    if (c === 0x2c && level > 0) {
      const top = frames[level - 1] as Frame;
      if (top.object) top.expectKey = true;
      else top.index++;
    }
  }
  return { depth: max, duplicates: result };
}

/** The duplicate keys of a JSON text that parses, or undefined when no object repeats a key. */
export function jsonDuplicates(text: string): DuplicateTree | undefined {
  return scanJson(text).duplicates;
}

/** %#v of a YAML key as goyaml decoded it into an interface{}. */
function goKey(v: unknown): string {
  if (typeof v === 'string') return goQuote(v);
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return goQuote(JSON.stringify(v));
}

/**
 * The duplicate keys of a parsed YAML document as goyaml's UnmarshalStrict reports them, in
 * document order: `line 10: key "unknownDupe" already set in map`.
 */
export function yamlDuplicates(doc: Document, lines: LineCounter): string[] {
  const out: string[] = [];
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 0 : lines.linePos(offset).line);
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key;
        const key: unknown = isScalar(keyNode) ? keyNode.value : keyNode;
        const id = `${typeof key}:${isScalar(keyNode) || typeof key !== 'object' ? String(key) : JSON.stringify(key)}`;
        if (seen.has(id)) {
          const valueNode = pair.value as { range?: readonly number[] } | null;
          const keyRange = (keyNode as { range?: readonly number[] } | null)?.range;
          out.push(`line ${lineOf(valueNode?.range?.[0] ?? keyRange?.[0])}: key ${goKey(key)} already set in map`);
        }
        seen.add(id);
        walk(pair.value);
      }
      return;
    }
    if (isSeq(node)) {
      for (const item of node.items) walk(item);
      return;
    }
    if (isAlias(node)) return;
  };
  walk(doc.contents);
  return out;
}

/** A YAML text parsed as `yaml`'s parse() would (duplicate keys allowed: the last wins), with its duplicates. */
export function parseYamlDocument(text: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, logLevel: 'error', lineCounter: lines });
  return { doc, lines };
}
