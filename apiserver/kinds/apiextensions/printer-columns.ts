// `kubectl get` of custom resources (apiextensions-apiserver's tableconvertor): a Name column, then
// one column per additionalPrinterColumn of the version (or, when it has none, Age), each cell
// read by its JSONPath. A string column prints its value as client-go's jsonpath does (objects
// and lists as JSON); integer, number and boolean columns keep JSON values of their type; a date
// column is the time since the timestamp. A value of another type, or none, is an empty cell
// (kubectl shows `<none>`). Pure: the time comes in through `now`.
import { col, humanDuration, NAME, type TableColumnDefinition, type TableSpec } from '../../api/tables.ts';
import { goFloat } from './value-validation.ts';
import { JsonPathError, parseJsonPath, type JsonPath } from './jsonpath.ts';

type Obj = Record<string, unknown>;

/** A printer column as the CRD declares it (apiextensions/v1 CustomResourceColumnDefinition). */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

const CREATION_TIMESTAMP_DOC = 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** serveDefaultColumnsIfEmpty: a version without columns gets Age. */
export const DEFAULT_COLUMNS: readonly PrinterColumn[] = [
  { name: 'Age', type: 'date', description: CREATION_TIMESTAMP_DOC, jsonPath: '.metadata.creationTimestamp' },
];

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's json.Marshal of a decoded value (object keys sorted). */
function goJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${goJson(v[k])}`).join(',')}}`;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : JSON.stringify(v);
  const text = JSON.stringify(v) as string | undefined;
  return text ?? 'null';
}

/** jsonpath.PrintResults of one value: JSON for objects and lists, fmt.Fprint for the rest. */
export function printValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return goJson(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return typeof v === 'string' ? v : null;
}

/** metav1.Time.UnmarshalQueryParameter (RFC 3339), then ConvertToHumanReadableDateType. */
function dateCell(value: string, now: number): string {
  if (value === '' || value === 'null') return '<unknown>';
  if (!/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value)) return '<invalid>';
  const t = Date.parse(value);
  return Number.isNaN(t) ? '<invalid>' : humanDuration(now - t);
}

/** cellForJSONValue: a value kept when it has the column's type. */
export function cellFor(type: string, value: unknown, now: number): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer': return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number': return typeof value === 'number' ? value : null;
    case 'boolean': return typeof value === 'boolean' ? value : null;
    case 'string': return printValue(value);
    case 'date': return typeof value === 'string' ? dateCell(value, now) : null;
    default: return null;
  }
}

/**
 * The table of a version with these columns. A column whose path does not parse ends the list
 * there, as upstream serves what it built before the error.
 */
export function customResourceTable(columns: readonly PrinterColumn[]): TableSpec {
  const defs: TableColumnDefinition[] = [NAME];
  const paths: { type: string; path: JsonPath }[] = [];
  for (const c of columns) {
    let path: JsonPath;
    try {
      path = parseJsonPath(c.jsonPath);
    } catch (err) {
      if (err instanceof JsonPathError) break;
      throw err;
    }
    const description = c.description !== undefined && c.description !== '' ? c.description : `Custom resource definition column (in JSONPath format): ${c.jsonPath}`;
    defs.push({ ...col(c.name, description, c.priority ?? 0, c.format ?? ''), type: c.type });
    paths.push({ type: c.type, path });
  }
  return {
    columns: defs,
    row(obj, now) {
      const meta = isObj(obj['metadata']) ? obj['metadata'] : {};
      const cells: unknown[] = [typeof meta['name'] === 'string' ? meta['name'] : ''];
      for (const { type, path } of paths) {
        const found = path.find(obj);
        cells.push(found.length === 0 ? null : cellFor(type, found[0], now));
      }
      return { cells };
    },
  };
}
