// The Swagger 2.0 document (/openapi/v2) in the protobuf form kube-apiserver serves to
// `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf` (kubectl's only v2 request):
// gnostic's `openapi.v2.Document` message, as k8s.io/kube-openapi's handler makes it (JSON →
// gnostic's ParseDocument → proto.Marshal). kubectl reads it for client-side validation of kinds
// whose /openapi/v3 document has no PATCH operation carrying `fieldValidation` (the review kinds)
// and for `kubectl explain --output=plaintext-openapiv2`; kube-openapi's proto.NewOpenAPIData
// parses its definitions.
//
// The message layout below is this module's own table, written from the published field numbers
// of gnostic's openapiv2/OpenAPIv2.proto (proto3): a JSON object becomes a message whose fields are
// its keys; `x-…` keys become `vendor_extension` (repeated NamedAny); maps (definitions,
// properties, paths, responses…) become repeated Named* {name = 1, value = 2} in key order;
// values of free form (default, enum, example, extensions) become Any {yaml = 2}; oneofs are chosen
// from the JSON as gnostic chooses them ($ref → JsonReference, `in: body` → BodyParameter, …).
// Proto3 rules as Go marshals them: fields in number order, scalars at their zero value left out,
// a present message (even empty) written, a oneof member written whatever its value.
import type { CachedDocument } from './openapi-documents.ts';

/** The media type kubectl asks /openapi/v2 for (the deprecated spelling, which kube still accepts). */
export const OPENAPI_V2_PROTOBUF_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** The other spelling kube-openapi accepts for the same document. */
export const OPENAPI_V2_PROTOBUF_ACCEPT_CURRENT = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
/** The Content-Type kube-openapi answers either protobuf request with (the dotted spelling). */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = OPENAPI_V2_PROTOBUF_ACCEPT_CURRENT;

// --------------------------------------------------------------------------------------------
// Message table

type Scalar = 'string' | 'bool' | 'double' | 'int64';

type MessageName =
  | 'Document' | 'Info' | 'Contact' | 'License' | 'ExternalDocs' | 'Tag' | 'Xml'
  | 'Paths' | 'PathItem' | 'Operation' | 'ParametersItem' | 'Parameter' | 'BodyParameter' | 'NonBodyParameter'
  | 'HeaderParameterSubSchema' | 'FormDataParameterSubSchema' | 'QueryParameterSubSchema' | 'PathParameterSubSchema'
  | 'PrimitivesItems' | 'JsonReference' | 'Responses' | 'ResponseValue' | 'Response' | 'SchemaItem' | 'FileSchema'
  | 'Headers' | 'Header' | 'Examples' | 'Definitions' | 'ParameterDefinitions' | 'ResponseDefinitions'
  | 'Schema' | 'Properties' | 'AdditionalPropertiesItem' | 'TypeItem' | 'ItemsItem'
  | 'SecurityDefinitions' | 'SecurityDefinitionsItem' | 'BasicAuthenticationSecurity' | 'ApiKeySecurity'
  | 'Oauth2ImplicitSecurity' | 'Oauth2PasswordSecurity' | 'Oauth2ApplicationSecurity' | 'Oauth2AccessCodeSecurity'
  | 'Oauth2Scopes' | 'SecurityRequirement' | 'StringArray';

/** A field's type: a scalar, a message, `any` (Any {yaml}); `[]` suffix for repeated. */
type ValueType = Scalar | MessageName | 'any';
type FieldType = ValueType | `${ValueType}[]`;

/** [field number, JSON key, type]; the key `x-` stands for every vendor extension (repeated NamedAny). */
type Field = readonly [number, string, FieldType];

type Descriptor =
  /** A JSON object's keys as fields. */
  | { readonly kind: 'fields'; readonly fields: readonly Field[] }
  /** A JSON object as a map: each key (but `x-…` ones when `ext` is set) a Named entry {1: name, 2: value}. */
  | { readonly kind: 'named'; readonly entry: number; readonly value: ValueType; readonly ext?: number }
  /** A JSON value or list of them as one repeated field. */
  | { readonly kind: 'list'; readonly field: number; readonly value: ValueType }
  /** A oneof: the member the JSON value is (field number and type), or undefined to leave it out. */
  | { readonly kind: 'oneof'; readonly pick: (v: unknown) => readonly [number, ValueType] | undefined };

const EXT = 'x-';

/** The validation keywords shared by the non-body parameters, headers and primitive items, numbered from `from`. */
function validations(from: number): Field[] {
  const keys: [string, FieldType][] = [
    ['items', 'PrimitivesItems'], ['collectionFormat', 'string'], ['default', 'any'], ['maximum', 'double'],
    ['exclusiveMaximum', 'bool'], ['minimum', 'double'], ['exclusiveMinimum', 'bool'], ['maxLength', 'int64'],
    ['minLength', 'int64'], ['pattern', 'string'], ['maxItems', 'int64'], ['minItems', 'int64'],
    ['uniqueItems', 'bool'], ['enum', 'any[]'], ['multipleOf', 'double'],
  ];
  return keys.map(([k, t], i) => [from + i, k, t] as const);
}

const fields = (...f: Field[]): Descriptor => ({ kind: 'fields', fields: f });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasRef = (v: unknown): boolean => isObject(v) && typeof v['$ref'] === 'string';

const MESSAGES: Readonly<Record<MessageName, Descriptor>> = {
  Document: fields(
    [1, 'swagger', 'string'], [2, 'info', 'Info'], [3, 'host', 'string'], [4, 'basePath', 'string'],
    [5, 'schemes', 'string[]'], [6, 'consumes', 'string[]'], [7, 'produces', 'string[]'], [8, 'paths', 'Paths'],
    [9, 'definitions', 'Definitions'], [10, 'parameters', 'ParameterDefinitions'], [11, 'responses', 'ResponseDefinitions'],
    [12, 'security', 'SecurityRequirement[]'], [13, 'securityDefinitions', 'SecurityDefinitions'], [14, 'tags', 'Tag[]'],
    [15, 'externalDocs', 'ExternalDocs'], [16, EXT, 'any'],
  ),
  Info: fields([1, 'title', 'string'], [2, 'version', 'string'], [3, 'description', 'string'], [4, 'termsOfService', 'string'], [5, 'contact', 'Contact'], [6, 'license', 'License'], [7, EXT, 'any']),
  Contact: fields([1, 'name', 'string'], [2, 'url', 'string'], [3, 'email', 'string'], [4, EXT, 'any']),
  License: fields([1, 'name', 'string'], [2, 'url', 'string'], [3, EXT, 'any']),
  ExternalDocs: fields([1, 'description', 'string'], [2, 'url', 'string'], [3, EXT, 'any']),
  Tag: fields([1, 'name', 'string'], [2, 'description', 'string'], [3, 'externalDocs', 'ExternalDocs'], [4, EXT, 'any']),
  Xml: fields([1, 'name', 'string'], [2, 'namespace', 'string'], [3, 'prefix', 'string'], [4, 'attribute', 'bool'], [5, 'wrapped', 'bool'], [6, EXT, 'any']),

  // paths: vendor_extension = 1, path = 2
  Paths: { kind: 'named', entry: 2, value: 'PathItem', ext: 1 },
  PathItem: fields(
    [1, '$ref', 'string'], [2, 'get', 'Operation'], [3, 'put', 'Operation'], [4, 'post', 'Operation'], [5, 'delete', 'Operation'],
    [6, 'options', 'Operation'], [7, 'head', 'Operation'], [8, 'patch', 'Operation'], [9, 'parameters', 'ParametersItem[]'], [10, EXT, 'any'],
  ),
  Operation: fields(
    [1, 'tags', 'string[]'], [2, 'summary', 'string'], [3, 'description', 'string'], [4, 'externalDocs', 'ExternalDocs'],
    [5, 'operationId', 'string'], [6, 'produces', 'string[]'], [7, 'consumes', 'string[]'], [8, 'parameters', 'ParametersItem[]'],
    [9, 'responses', 'Responses'], [10, 'schemes', 'string[]'], [11, 'deprecated', 'bool'], [12, 'security', 'SecurityRequirement[]'],
    [13, EXT, 'any'],
  ),
  ParametersItem: { kind: 'oneof', pick: (v) => (!isObject(v) ? undefined : hasRef(v) ? [2, 'JsonReference'] : [1, 'Parameter']) },
  Parameter: { kind: 'oneof', pick: (v) => (!isObject(v) ? undefined : v['in'] === 'body' ? [1, 'BodyParameter'] : [2, 'NonBodyParameter']) },
  NonBodyParameter: {
    kind: 'oneof',
    pick: (v) => {
      if (!isObject(v)) return undefined;
      switch (v['in']) {
        case 'header': return [1, 'HeaderParameterSubSchema'];
        case 'formData': return [2, 'FormDataParameterSubSchema'];
        case 'query': return [3, 'QueryParameterSubSchema'];
        case 'path': return [4, 'PathParameterSubSchema'];
        default: return undefined;
      }
    },
  },
  BodyParameter: fields([1, 'description', 'string'], [2, 'name', 'string'], [3, 'in', 'string'], [4, 'required', 'bool'], [5, 'schema', 'Schema'], [6, EXT, 'any']),
  HeaderParameterSubSchema: fields(
    [1, 'required', 'bool'], [2, 'in', 'string'], [3, 'description', 'string'], [4, 'name', 'string'],
    [5, 'type', 'string'], [6, 'format', 'string'], ...validations(7), [22, EXT, 'any'],
  ),
  FormDataParameterSubSchema: fields(
    [1, 'required', 'bool'], [2, 'in', 'string'], [3, 'description', 'string'], [4, 'name', 'string'], [5, 'allowEmptyValue', 'bool'],
    [6, 'type', 'string'], [7, 'format', 'string'], ...validations(8), [23, EXT, 'any'],
  ),
  QueryParameterSubSchema: fields(
    [1, 'required', 'bool'], [2, 'in', 'string'], [3, 'description', 'string'], [4, 'name', 'string'], [5, 'allowEmptyValue', 'bool'],
    [6, 'type', 'string'], [7, 'format', 'string'], ...validations(8), [23, EXT, 'any'],
  ),
  PathParameterSubSchema: fields(
    [1, 'required', 'bool'], [2, 'in', 'string'], [3, 'description', 'string'], [4, 'name', 'string'],
    [5, 'type', 'string'], [6, 'format', 'string'], ...validations(7), [22, EXT, 'any'],
  ),
  PrimitivesItems: fields([1, 'type', 'string'], [2, 'format', 'string'], ...validations(3), [18, EXT, 'any']),
  Header: fields([1, 'type', 'string'], [2, 'format', 'string'], ...validations(3), [18, 'description', 'string'], [19, EXT, 'any']),
  JsonReference: fields([1, '$ref', 'string'], [2, 'description', 'string']),

  // responses: response_code = 1, vendor_extension = 2
  Responses: { kind: 'named', entry: 1, value: 'ResponseValue', ext: 2 },
  ResponseValue: { kind: 'oneof', pick: (v) => (!isObject(v) ? undefined : hasRef(v) ? [2, 'JsonReference'] : [1, 'Response']) },
  Response: fields([1, 'description', 'string'], [2, 'schema', 'SchemaItem'], [3, 'headers', 'Headers'], [4, 'examples', 'Examples'], [5, EXT, 'any']),
  SchemaItem: { kind: 'oneof', pick: (v) => (!isObject(v) ? undefined : v['type'] === 'file' ? [2, 'FileSchema'] : [1, 'Schema']) },
  FileSchema: fields(
    [1, 'format', 'string'], [2, 'title', 'string'], [3, 'description', 'string'], [4, 'default', 'any'], [5, 'required', 'string[]'],
    [6, 'type', 'string'], [7, 'readOnly', 'bool'], [8, 'externalDocs', 'ExternalDocs'], [9, 'example', 'any'], [10, EXT, 'any'],
  ),
  Headers: { kind: 'named', entry: 1, value: 'Header' },
  Examples: { kind: 'named', entry: 1, value: 'any' },

  Definitions: { kind: 'named', entry: 1, value: 'Schema' },
  ParameterDefinitions: { kind: 'named', entry: 1, value: 'Parameter' },
  ResponseDefinitions: { kind: 'named', entry: 1, value: 'Response' },
  Schema: fields(
    [1, '$ref', 'string'], [2, 'format', 'string'], [3, 'title', 'string'], [4, 'description', 'string'], [5, 'default', 'any'],
    [6, 'multipleOf', 'double'], [7, 'maximum', 'double'], [8, 'exclusiveMaximum', 'bool'], [9, 'minimum', 'double'],
    [10, 'exclusiveMinimum', 'bool'], [11, 'maxLength', 'int64'], [12, 'minLength', 'int64'], [13, 'pattern', 'string'],
    [14, 'maxItems', 'int64'], [15, 'minItems', 'int64'], [16, 'uniqueItems', 'bool'], [17, 'maxProperties', 'int64'],
    [18, 'minProperties', 'int64'], [19, 'required', 'string[]'], [20, 'enum', 'any[]'],
    [21, 'additionalProperties', 'AdditionalPropertiesItem'], [22, 'type', 'TypeItem'], [23, 'items', 'ItemsItem'],
    [24, 'allOf', 'Schema[]'], [25, 'properties', 'Properties'], [26, 'discriminator', 'string'], [27, 'readOnly', 'bool'],
    [28, 'xml', 'Xml'], [29, 'externalDocs', 'ExternalDocs'], [30, 'example', 'any'], [31, EXT, 'any'],
  ),
  Properties: { kind: 'named', entry: 1, value: 'Schema' },
  AdditionalPropertiesItem: { kind: 'oneof', pick: (v) => (typeof v === 'boolean' ? [2, 'bool'] : isObject(v) ? [1, 'Schema'] : undefined) },
  TypeItem: { kind: 'list', field: 1, value: 'string' },
  ItemsItem: { kind: 'list', field: 1, value: 'Schema' },

  SecurityDefinitions: { kind: 'named', entry: 1, value: 'SecurityDefinitionsItem' },
  SecurityDefinitionsItem: {
    kind: 'oneof',
    pick: (v) => {
      if (!isObject(v)) return undefined;
      if (v['type'] === 'basic') return [1, 'BasicAuthenticationSecurity'];
      if (v['type'] === 'apiKey') return [2, 'ApiKeySecurity'];
      if (v['type'] !== 'oauth2') return undefined;
      switch (v['flow']) {
        case 'implicit': return [3, 'Oauth2ImplicitSecurity'];
        case 'password': return [4, 'Oauth2PasswordSecurity'];
        case 'application': return [5, 'Oauth2ApplicationSecurity'];
        case 'accessCode': return [6, 'Oauth2AccessCodeSecurity'];
        default: return undefined;
      }
    },
  },
  BasicAuthenticationSecurity: fields([1, 'type', 'string'], [2, 'description', 'string'], [3, EXT, 'any']),
  ApiKeySecurity: fields([1, 'type', 'string'], [2, 'name', 'string'], [3, 'in', 'string'], [4, 'description', 'string'], [5, EXT, 'any']),
  Oauth2ImplicitSecurity: fields([1, 'type', 'string'], [2, 'flow', 'string'], [3, 'scopes', 'Oauth2Scopes'], [4, 'authorizationUrl', 'string'], [5, 'description', 'string'], [6, EXT, 'any']),
  Oauth2PasswordSecurity: fields([1, 'type', 'string'], [2, 'flow', 'string'], [3, 'scopes', 'Oauth2Scopes'], [4, 'tokenUrl', 'string'], [5, 'description', 'string'], [6, EXT, 'any']),
  Oauth2ApplicationSecurity: fields([1, 'type', 'string'], [2, 'flow', 'string'], [3, 'scopes', 'Oauth2Scopes'], [4, 'tokenUrl', 'string'], [5, 'description', 'string'], [6, EXT, 'any']),
  Oauth2AccessCodeSecurity: fields(
    [1, 'type', 'string'], [2, 'flow', 'string'], [3, 'scopes', 'Oauth2Scopes'], [4, 'authorizationUrl', 'string'], [5, 'tokenUrl', 'string'],
    [6, 'description', 'string'], [7, EXT, 'any'],
  ),
  Oauth2Scopes: { kind: 'named', entry: 1, value: 'string' },
  SecurityRequirement: { kind: 'named', entry: 1, value: 'StringArray' },
  StringArray: { kind: 'list', field: 1, value: 'string' },
};

// --------------------------------------------------------------------------------------------
// Wire format

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;

/** A growable buffer writing protobuf's wire format; a message's length is patched in when it ends. */
class ProtoWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A non-negative integer below 2^53 as a varint. */
  varint(v: number): void {
    this.reserve(10);
    while (v > 127) {
      this.buf[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  string(field: number, s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.tag(field, WIRE_LEN);
    this.varint(len);
    this.reserve(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  bool(field: number, b: boolean): void {
    this.tag(field, WIRE_VARINT);
    this.varint(b ? 1 : 0);
  }

  double(field: number, d: number): void {
    this.tag(field, WIRE_FIXED64);
    this.reserve(8);
    this.pos = this.buf.writeDoubleLE(d, this.pos);
  }

  /** An int64 (Go's JSON decoding truncates toward zero); negatives as ten-byte two's complement. */
  int64(field: number, n: number): void {
    this.tag(field, WIRE_VARINT);
    const i = Math.trunc(n);
    if (i >= 0 && Number.isSafeInteger(i)) {
      this.varint(i);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(i));
    this.reserve(10);
    while (v > 127n) {
      this.buf[this.pos++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  /** Starts a length-delimited field; returns where its length goes, for end(). */
  begin(field: number): number {
    this.tag(field, WIRE_LEN);
    this.reserve(1);
    return this.pos++;
  }

  /** Ends the field begun at `at`: writes its length, moving the content when it needs more than a byte. */
  end(at: number): void {
    const len = this.pos - at - 1;
    if (len < 128) {
      this.buf[at] = len;
      return;
    }
    let size = 1;
    for (let l = len; l > 127; l = Math.floor(l / 128)) size++;
    this.reserve(size - 1);
    this.buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = len;
    let p = at;
    while (v > 127) {
      this.buf[p++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[p] = v;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

// --------------------------------------------------------------------------------------------
// Any: a JSON value as YAML

/**
 * A JSON value as the YAML text of gnostic's Any. gnostic writes block YAML (yaml.v3); JSON's
 * flow syntax is YAML too, read the same by go-yaml v2 and v3 (kube-openapi, kubectl): here with a
 * space after each `:` and `,`, and every character past ASCII escaped (YAML's \u and \U), so no
 * line break or unprintable character is ever literal.
 */
export function yamlOf(v: unknown): string {
  if (typeof v === 'string') return yamlString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(yamlOf).join(', ')}]`;
  if (isObject(v)) {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(`${yamlString(k)}: ${yamlOf(x)}`);
    return `{${parts.join(', ')}}`;
  }
  return 'null';
}

function yamlString(s: string): string {
  const json = JSON.stringify(s);
  return /[^\x20-\x7e]/.test(json) ? json.replace(/[^\x20-\x7e]/gu, escapeCodePoint) : json;
}

function escapeCodePoint(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

// --------------------------------------------------------------------------------------------
// Encoding

/** Whether a JSON value can be written as a message of this kind (else the field is left out). */
function fits(d: Descriptor, v: unknown): boolean {
  switch (d.kind) {
    case 'fields':
    case 'named':
      return isObject(v);
    case 'list':
      return v !== undefined && v !== null;
    case 'oneof':
      return d.pick(v) !== undefined;
  }
}

function writeMessageField(w: ProtoWriter, field: number, name: MessageName, v: unknown): void {
  const d = MESSAGES[name];
  if (!fits(d, v)) return;
  const at = w.begin(field);
  writeMessage(w, d, v);
  w.end(at);
}

function writeAny(w: ProtoWriter, field: number, v: unknown): void {
  const at = w.begin(field);
  w.string(2, yamlOf(v));
  w.end(at);
}

/** One value of a field; `always` writes a scalar at its zero value too (oneof members, list entries). */
function writeValue(w: ProtoWriter, field: number, type: ValueType, v: unknown, always: boolean): void {
  switch (type) {
    case 'string':
      if (typeof v === 'string' && (always || v !== '')) w.string(field, v);
      return;
    case 'bool':
      if (typeof v === 'boolean' && (always || v)) w.bool(field, v);
      return;
    case 'double':
      if (typeof v === 'number' && (always || v !== 0)) w.double(field, v);
      return;
    case 'int64':
      if (typeof v === 'number' && Number.isFinite(v) && (always || Math.trunc(v) !== 0)) w.int64(field, v);
      return;
    case 'any':
      if (v !== undefined) writeAny(w, field, v);
      return;
    default:
      writeMessageField(w, field, type, v);
  }
}

function writeVendorExtensions(w: ProtoWriter, field: number, o: Record<string, unknown>): void {
  for (const k in o) {
    if (!k.startsWith(EXT)) continue;
    const v = o[k];
    if (v === undefined) continue;
    const at = w.begin(field);
    w.string(1, k);
    writeAny(w, 2, v);
    w.end(at);
  }
}

function writeMessage(w: ProtoWriter, d: Descriptor, v: unknown): void {
  switch (d.kind) {
    case 'fields': {
      const o = v as Record<string, unknown>;
      for (const [field, key, type] of d.fields) {
        if (key === EXT) {
          writeVendorExtensions(w, field, o);
          continue;
        }
        const x = o[key];
        if (x === undefined) continue;
        if (type.endsWith('[]')) {
          if (!Array.isArray(x)) continue;
          const t = type.slice(0, -2) as ValueType;
          for (const e of x) writeValue(w, field, t, e, true);
        } else writeValue(w, field, type as ValueType, x, false);
      }
      return;
    }
    case 'named': {
      const o = v as Record<string, unknown>;
      if (d.ext !== undefined && d.ext < d.entry) writeVendorExtensions(w, d.ext, o);
      for (const k in o) {
        if (d.ext !== undefined && k.startsWith(EXT)) continue;
        const x = o[k];
        if (x === undefined) continue;
        const at = w.begin(d.entry);
        w.string(1, k);
        writeValue(w, 2, d.value, x, false);
        w.end(at);
      }
      if (d.ext !== undefined && d.ext > d.entry) writeVendorExtensions(w, d.ext, o);
      return;
    }
    case 'list':
      for (const e of Array.isArray(v) ? v : [v]) writeValue(w, d.field, d.value, e, true);
      return;
    case 'oneof': {
      const picked = d.pick(v);
      if (picked !== undefined) writeValue(w, picked[0], picked[1], v, true);
      return;
    }
  }
}

/**
 * The Swagger 2.0 document (the JSON object buildV2Document makes) as gnostic's
 * openapi.v2.Document message. Keys the message has no field for (OpenAPI v3's nullable, oneOf…)
 * are left out, as kube leaves them out of v2.
 */
export function encodeOpenApiV2Protobuf(doc: object): Buffer {
  const w = new ProtoWriter(1 << 20);
  writeMessage(w, MESSAGES.Document, doc);
  return w.finish();
}

// --------------------------------------------------------------------------------------------
// Serving

/** The protobuf /openapi/v2 body of a JSON document, with the headers kube-openapi sends with it. */
export interface OpenApiV2Protobuf {
  body: Buffer;
  /** Hex SHA-512 of the JSON document (kube-openapi reuses the JSON's ETag: responses vary by Accept). */
  hash: string;
  /** The ETag header value: the JSON document's, quoted. */
  etag: string;
  contentType: typeof OPENAPI_V2_PROTOBUF_CONTENT_TYPE;
}

const CACHE_SIZE = 2;
const cache = new Map<string, OpenApiV2Protobuf>();

/**
 * The protobuf form of a served JSON document (CachedDocument from createOpenApiDocuments().v2()),
 * encoded once per document hash (the last two kept: the served set changes rarely).
 */
export function openApiV2Protobuf(doc: Pick<CachedDocument, 'json' | 'hash' | 'etag'>): OpenApiV2Protobuf {
  const hit = cache.get(doc.hash);
  if (hit !== undefined) return hit;
  const out: OpenApiV2Protobuf = {
    body: encodeOpenApiV2Protobuf(JSON.parse(doc.json) as object),
    hash: doc.hash,
    etag: doc.etag,
    contentType: OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
  };
  cache.set(doc.hash, out);
  for (const k of cache.keys()) {
    if (cache.size <= CACHE_SIZE) break;
    cache.delete(k);
  }
  return out;
}

/**
 * Which form of /openapi/v2 an Accept header gets, as kube-openapi's handler decides: the clauses
 * by quality (then specific before `type/*` before `*∕*`), the first one matching JSON, the
 * deprecated or the current protobuf type wins; undefined means 406 Not Acceptable. No header is `*∕*`.
 */
export function openApiV2Format(accept: string | undefined): 'json' | 'protobuf' | undefined {
  const clauses = (accept === undefined || accept.trim() === '' ? '*/*' : accept)
    .split(',')
    .map((part, i) => {
      const [range = '', ...params] = part.split(';');
      const [type = '', sub = ''] = range.trim().toLowerCase().split('/');
      let q = 1;
      for (const p of params) {
        const [k, val] = p.split('=');
        if (k?.trim() === 'q' && val !== undefined) q = Number.parseFloat(val.trim());
      }
      return { type, sub, q: Number.isNaN(q) ? 0 : q, i };
    })
    .filter((c) => c.type !== '' && c.q > 0)
    .sort((a, b) => b.q - a.q || specificity(b) - specificity(a) || a.i - b.i);
  const offered: [string, 'json' | 'protobuf'][] = [
    ['json', 'json'],
    ['com.github.proto-openapi.spec.v2@v1.0+protobuf', 'protobuf'],
    ['com.github.proto-openapi.spec.v2.v1.0+protobuf', 'protobuf'],
  ];
  for (const c of clauses) {
    if (c.type !== 'application' && c.type !== '*') continue;
    for (const [sub, format] of offered) if (c.sub === sub || c.sub === '*') return format;
  }
  return undefined;
}

function specificity(c: { type: string; sub: string }): number {
  return c.type === '*' ? 0 : c.sub === '*' ? 1 : 2;
}
