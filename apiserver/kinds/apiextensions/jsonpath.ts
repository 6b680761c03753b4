// The JSONPath of additionalPrinterColumns, as client-go's util/jsonpath evaluates a template
// `{<path>}` with missing keys allowed: fields (`.a.b`, `['a.b']`), `*`, recursive descent (`..a`),
// indices (`[0]`, `[-1]`), slices (`[1:3]`, `[::2]`), unions (`[0,2]`, `['a','b']`) and filters
// (`[?(@.type=="Ready")]`, `[?(@.n > 1)]`, `[?(@.x)]`). Pure.

type Step =
  | { kind: 'field'; names: string[] }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; indices: number[] }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'filter'; left: Operand; op?: string; right?: Operand };

type Operand = { kind: 'path'; steps: Step[] } | { kind: 'literal'; value: unknown };

export class JsonPathError extends Error {}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Parser {
  private i = 0;

  constructor(private readonly text: string) {}

  steps(stopAt = ''): Step[] {
    const out: Step[] = [];
    while (this.i < this.text.length && !stopAt.includes(this.text[this.i] ?? '')) {
      const c = this.text[this.i];
      if (c === '.') {
        if (this.text[this.i + 1] === '.') {
          this.i += 2;
          out.push({ kind: 'recursive' });
          if (this.text[this.i] === '[') continue;
        } else {
          this.i++;
        }
        if (this.text[this.i] === '*') {
          this.i++;
          out.push({ kind: 'wildcard' });
          continue;
        }
        // a field name runs to the next separator; `\.` is a dot inside it (annotations' keys)
        const m = /^(?:\\.|[^.[\]()=!<> ,\\])+/.exec(this.text.slice(this.i));
        if (m === null) {
          if (this.i >= this.text.length || stopAt.includes(this.text[this.i] ?? '')) continue;
          throw new JsonPathError(`unrecognized character in action: ${this.text.slice(this.i)}`);
        }
        this.i += m[0].length;
        out.push({ kind: 'field', names: [m[0].replace(/\\(.)/g, '$1')] });
      } else if (c === '[') {
        out.push(this.bracket());
      } else if (c === '@' && out.length === 0) {
        this.i++;
      } else if (c === ' ') {
        this.i++;
      } else {
        throw new JsonPathError(`unrecognized character in action: ${this.text.slice(this.i)}`);
      }
    }
    return out;
  }

  private bracket(): Step {
    const close = this.findClose();
    const inner = this.text.slice(this.i + 1, close).trim();
    this.i = close + 1;
    if (inner === '*') return { kind: 'wildcard' };
    if (inner.startsWith('?(') && inner.endsWith(')')) return this.filter(inner.slice(2, -1));
    if (/^['"]/.test(inner)) {
      const names = inner.split(',').map((p) => {
        const t = p.trim();
        if (!/^(['"]).*\1$/.test(t)) throw new JsonPathError(`invalid array index ${inner}`);
        return t.slice(1, -1);
      });
      return { kind: 'field', names };
    }
    if (inner.includes(':')) {
      const parts = inner.split(':').map((p) => p.trim());
      if (parts.length > 3 || parts.some((p) => p !== '' && !/^-?\d+$/.test(p))) throw new JsonPathError(`invalid array index ${inner}`);
      const n = (p: string | undefined): number | undefined => (p === undefined || p === '' ? undefined : Number(p));
      const step: Step = { kind: 'slice' };
      const [a, b, c] = parts;
      if (n(a) !== undefined) step.start = n(a) as number;
      if (n(b) !== undefined) step.end = n(b) as number;
      if (n(c) !== undefined) step.step = n(c) as number;
      return step;
    }
    const parts = inner.split(',').map((p) => p.trim());
    if (parts.length === 0 || parts.some((p) => !/^-?\d+$/.test(p))) throw new JsonPathError(`invalid array index ${inner}`);
    return { kind: 'index', indices: parts.map(Number) };
  }

  private findClose(): number {
    let depth = 0;
    let quote = '';
    for (let j = this.i; j < this.text.length; j++) {
      const c = this.text[j];
      if (quote !== '') {
        if (c === quote) quote = '';
        continue;
      }
      if (c === '"' || c === "'") quote = c;
      else if (c === '[') depth++;
      else if (c === ']') {
        depth--;
        if (depth === 0) return j;
      }
    }
    throw new JsonPathError('unclosed array expect ]');
  }

  private filter(expr: string): Step {
    const m = /^(.*?)\s*(==|!=|<=|>=|<|>)\s*(.*)$/.exec(expr);
    if (m === null) return { kind: 'filter', left: operand(expr.trim()) };
    return { kind: 'filter', left: operand((m[1] ?? '').trim()), op: m[2] ?? '==', right: operand((m[3] ?? '').trim()) };
  }
}

function operand(text: string): Operand {
  if (text.startsWith('@')) return { kind: 'path', steps: new Parser(text).steps() };
  if (/^(['"]).*\1$/.test(text)) return { kind: 'literal', value: text.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(text)) return { kind: 'literal', value: Number(text) };
  if (text === 'true' || text === 'false') return { kind: 'literal', value: text === 'true' };
  throw new JsonPathError(`unrecognized filter operand ${text}`);
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObj(v)) return Object.keys(v).sort().map((k) => v[k]);
  return [];
}

function descendants(v: unknown): unknown[] {
  const out: unknown[] = [v];
  for (const c of children(v)) out.push(...descendants(c));
  return out;
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    default:
      if (typeof a !== 'number' || typeof b !== 'number') return false;
      return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
}

function evalOperand(o: Operand, current: unknown): unknown[] {
  return o.kind === 'literal' ? [o.value] : run(o.steps, [current]);
}

function run(steps: readonly Step[], start: unknown[]): unknown[] {
  let cur = start;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (step.kind) {
        case 'field':
          for (const name of step.names) if (isObj(v) && Object.hasOwn(v, name)) next.push(v[name]);
          break;
        case 'wildcard': next.push(...children(v)); break;
        case 'recursive': next.push(...descendants(v)); break;
        case 'index':
          if (Array.isArray(v)) for (const i of step.indices) { const j = i < 0 ? v.length + i : i; if (j >= 0 && j < v.length) next.push(v[j]); }
          break;
        case 'slice': {
          if (!Array.isArray(v)) break;
          const len = v.length;
          const norm = (x: number): number => Math.min(Math.max(x < 0 ? len + x : x, 0), len);
          const by = step.step ?? 1;
          if (by <= 0) break;
          for (let i = norm(step.start ?? 0); i < norm(step.end ?? len); i += by) next.push(v[i]);
          break;
        }
        case 'filter': {
          for (const item of Array.isArray(v) ? v : isObj(v) ? children(v) : []) {
            const left = evalOperand(step.left, item);
            if (step.op === undefined || step.right === undefined) {
              if (left.length > 0) next.push(item);
              continue;
            }
            const right = evalOperand(step.right, item);
            const op = step.op;
            if (left.length > 0 && right.length > 0 && compare(left[0], op, right[0])) next.push(item);
          }
          break;
        }
      }
    }
    cur = next;
  }
  return cur;
}

/** A parsed path: what it finds in a value (nothing for a missing key). */
export interface JsonPath {
  find(value: unknown): unknown[];
}

/** Parses a printer column's path (as written in the CRD, without the braces); throws JsonPathError. */
export function parseJsonPath(path: string): JsonPath {
  const text = path.trim().replace(/^\{(.*)\}$/, '$1');
  const p = new Parser(text);
  const steps = p.steps();
  return { find: (value) => run(steps, [value]) };
}
