// Kubernetes API errors as metav1.Status, built like apimachinery's pkg/api/errors, and field
// validation errors rendered like pkg/util/validation/field. Pure: no I/O.
import type { Status, StatusCause, StatusDetails } from 'kubernetes-types/meta/v1.d.ts';
import type { PatchError } from '../../kube/patch/patch-error.ts';
import { goQuote as strconvQuote } from '../../kube/go-quote.ts';
import { NodeletError } from '../../lib/errors.ts';

/** field.ErrorType: the machine-readable cause reason of a field error. */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid';

/** One field-level validation error (field.Error). `badValue` is rendered like Go's `%q`/`%v`. */
export interface FieldError {
  readonly type: FieldErrorType;
  /** Field path, e.g. `spec.containers[0].image`. */
  readonly field: string;
  readonly badValue?: unknown;
  readonly detail: string;
  /** The value is not printed (field.OmitValueType). */
  readonly omitValue?: boolean;
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** Go's strconv.Quote of a value's text (kube/go-quote.ts). */
export function goQuote(value: unknown): string {
  // a caller may hand over what a request body put where a string belongs: quote its text
  return strconvQuote(typeof value === 'string' ? value : String(value));
}

/** Renders a bad value roughly like Go's `%#v` for the composite values validation reports. */
function goSyntax(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return `[]string{${value.map(goQuote).join(', ')}}`;
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return goQuote(value);
  const json = JSON.stringify(value) as string | undefined;
  return json ?? 'null';
}

/** field.Error.ErrorBody(): the message without the field path. */
export function fieldErrorBody(e: FieldError): string {
  let s: string;
  const t = TYPE_TEXT[e.type];
  if (
    e.type === 'FieldValueRequired' ||
    e.type === 'FieldValueForbidden' ||
    e.type === 'FieldValueTooLong' ||
    e.type === 'InternalError' ||
    e.omitValue === true
  ) {
    s = t;
  } else {
    const v = e.badValue;
    // ErrorBody prints a nil value as the string "null", quoted like any string
    if (v === null || v === undefined) s = `${t}: "null"`;
    else if (typeof v === 'string') s = `${t}: ${goQuote(v)}`;
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') s = `${t}: ${String(v)}`;
    else s = `${t}: ${goSyntax(v)}`;
  }
  if (e.detail.length > 0) s += `: ${e.detail}`;
  return s;
}

/** field.Error.Error(): `<field>: <body>`. */
export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/** utilerrors.NewAggregate(errs).Error(): one message as is; several as `[a, b]` (deduplicated). */
export function aggregateMessage(messages: readonly string[]): string {
  const seen: string[] = [];
  for (const m of messages) if (!seen.includes(m)) seen.push(m);
  if (seen.length === 1) return seen[0] ?? '';
  return `[${seen.join(', ')}]`;
}

/** Constructors mirroring field.Required, field.Invalid, … (k8s.io/apimachinery/pkg/util/validation/field). */
export const fieldErrors = {
  required(field: string, detail = ''): FieldError {
    return { type: 'FieldValueRequired', field, badValue: '', detail };
  },
  invalid(field: string, value: unknown, detail: string): FieldError {
    return { type: 'FieldValueInvalid', field, badValue: value, detail };
  },
  notSupported(field: string, value: unknown, validValues: readonly string[]): FieldError {
    const detail = validValues.length > 0 ? `supported values: ${validValues.map(goQuote).join(', ')}` : '';
    return { type: 'FieldValueNotSupported', field, badValue: value, detail };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { type: 'FieldValueDuplicate', field, badValue: value, detail: '' };
  },
  forbidden(field: string, detail: string): FieldError {
    return { type: 'FieldValueForbidden', field, badValue: '', detail };
  },
  notFound(field: string, value: unknown): FieldError {
    return { type: 'FieldValueNotFound', field, badValue: value, detail: '' };
  },
  /** field.TooLong: `Too long: may not be more than N bytes` (or `value is too long` when N < 0). */
  tooLong(field: string, maxLength: number): FieldError {
    const detail = maxLength >= 0 ? `may not be more than ${maxLength} bytes` : 'value is too long';
    return { type: 'FieldValueTooLong', field, badValue: '<value omitted>', detail };
  },
  tooMany(field: string, actual: number, max: number): FieldError {
    const detail = max >= 0 ? `must have at most ${max} items` : 'has too many items';
    return actual >= 0
      ? { type: 'FieldValueTooMany', field, badValue: actual, detail }
      : { type: 'FieldValueTooMany', field, detail, omitValue: true };
  },
  internal(field: string, detail: string): FieldError {
    return { type: 'InternalError', field, badValue: null, detail };
  },
  /** field.TypeInvalid: rendered as `Invalid value` (its reason is FieldValueTypeInvalid). */
  typeInvalid(field: string, value: unknown, detail: string): FieldError {
    return { type: 'FieldValueTypeInvalid', field, badValue: value, detail };
  },
} as const;

/** A resource with its API group ('' for core), e.g. {resource:'leases', group:'coordination.k8s.io'}. */
export interface GroupResource {
  readonly group?: string;
  readonly resource: string;
}

type ResourceRef = string | GroupResource;

function toGR(r: ResourceRef): { group: string; resource: string } {
  return typeof r === 'string' ? { group: '', resource: r } : { group: r.group ?? '', resource: r.resource };
}

/** schema.GroupResource.String(): `pods`, `leases.coordination.k8s.io`. */
function grString(gr: { group: string; resource: string }): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

/** Builds StatusDetails in Go's field order, leaving out empty fields as `omitempty` does. */
function details(d: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number }): StatusDetails {
  const out: StatusDetails = {};
  if (d.name !== undefined && d.name !== '') out.name = d.name;
  if (d.group !== undefined && d.group !== '') out.group = d.group;
  if (d.kind !== undefined && d.kind !== '') out.kind = d.kind;
  if (d.causes !== undefined && d.causes.length > 0) out.causes = d.causes;
  if (d.retryAfterSeconds !== undefined && d.retryAfterSeconds !== 0) out.retryAfterSeconds = d.retryAfterSeconds;
  return out;
}

function screaming(reason: string): string {
  return reason.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/** A Kubernetes API error: carries the metav1.Status the server answers with (HTTP code = status.code). */
export class ApiError extends NodeletError {
  readonly status: Status;

  constructor(code: number, reason: string, message: string, statusDetails?: StatusDetails, cause?: unknown) {
    super(`ERR_API_${screaming(reason === '' ? 'Unknown' : reason)}`, message, {
      reason,
      ...(cause === undefined ? {} : { cause }),
    });
    const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure' };
    if (message !== '') status.message = message;
    if (reason !== '') status.reason = reason;
    if (statusDetails !== undefined) status.details = statusDetails;
    status.code = code;
    this.status = status;
  }

  /** HTTP status code of the response. */
  get httpCode(): number {
    return this.status.code ?? 500;
  }

  /** 404 `pods "x" not found`; details.kind is the resource. */
  static notFound(resource: ResourceRef, name: string): ApiError {
    const gr = toGR(resource);
    return new ApiError(404, 'NotFound', `${grString(gr)} ${goQuote(name)} not found`,
      details({ name, group: gr.group, kind: gr.resource }));
  }

  /** 409 `pods "x" already exists`. */
  static alreadyExists(resource: ResourceRef, name: string): ApiError {
    const gr = toGR(resource);
    return new ApiError(409, 'AlreadyExists', `${grString(gr)} ${goQuote(name)} already exists`,
      details({ name, group: gr.group, kind: gr.resource }));
  }

  /**
   * 409 Conflict `Operation cannot be fulfilled on pods "x": <detail>`; the default detail is the
   * optimistic-concurrency text (registry.OptimisticLockErrorMsg).
   */
  static conflict(resource: ResourceRef, name: string, detail = OPTIMISTIC_LOCK_MSG): ApiError {
    const gr = toGR(resource);
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${grString(gr)} ${goQuote(name)}: ${detail}`,
      details({ name, group: gr.group, kind: gr.resource }));
  }

  /**
   * 422 Invalid: `Pod "x" is invalid: spec.containers[0].image: Required value` for one error,
   * `[a, b]` for several; details.kind is the Kind; one cause per field error.
   */
  static invalid(kind: string, name: string, errs: readonly FieldError[], group = ''): ApiError {
    const qk = group === '' ? kind : `${kind}.${group}`;
    const causes: StatusCause[] = errs.map((e) => {
      const c: StatusCause = { reason: e.type };
      const m = fieldErrorBody(e);
      if (m !== '') c.message = m;
      if (e.field !== '') c.field = e.field;
      return c;
    });
    const message = errs.length === 0
      ? `${qk} ${goQuote(name)} is invalid`
      : `${qk} ${goQuote(name)} is invalid: ${aggregateMessage(errs.map(fieldErrorString))}`;
    return new ApiError(422, 'Invalid', message, details({ name, group, kind, causes }));
  }

  /** 400 BadRequest with a free-text message. */
  static badRequest(message: string): ApiError {
    return new ApiError(400, 'BadRequest', message);
  }

  /** A patch the shared machinery refused; a 422 carries empty details (NewGenericServerResponse). */
  static fromPatchError(err: PatchError): ApiError {
    return new ApiError(err.httpCode, err.reason ?? '', err.message, err.httpCode === 422 ? {} : undefined, err);
  }

  /** 410 Expired (NewResourceExpired), e.g. `too old resource version: 104 (1050)`. */
  static gone(message: string): ApiError {
    return new ApiError(410, 'Expired', message);
  }

  /** 410 Expired for a watch/list from a compacted resourceVersion. */
  static tooOldResourceVersion(requested: string | number, oldest: string | number): ApiError {
    return ApiError.gone(`too old resource version: ${requested} (${oldest})`);
  }

  /**
   * 504 Timeout `Timeout: Too large resource version: N, current: M` with the
   * ResourceVersionTooLarge cause client-go's reflector looks for (it then relists from "").
   */
  static tooLargeResourceVersion(requested: number, current: number): ApiError {
    return new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`,
      details({ causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 }));
  }

  /** 401 Unauthorized; empty reason → `not authorized` as apimachinery, the apiserver sends `Unauthorized`. */
  static unauthorized(message = 'Unauthorized'): ApiError {
    return new ApiError(401, 'Unauthorized', message === '' ? 'not authorized' : message);
  }

  /**
   * 403 Forbidden: `pods is forbidden: <why>`, `pods "x" is forbidden: <why>`, or `forbidden: <why>`
   * when no resource is given.
   */
  static forbidden(resource: ResourceRef | undefined, name: string, why: string): ApiError {
    const gr = resource === undefined ? { group: '', resource: '' } : toGR(resource);
    let message: string;
    if (gr.resource === '' && gr.group === '') message = `forbidden: ${why}`;
    else if (name === '') message = `${grString(gr)} is forbidden: ${why}`;
    else message = `${grString(gr)} ${goQuote(name)} is forbidden: ${why}`;
    return new ApiError(403, 'Forbidden', message, details({ name, group: gr.group, kind: gr.resource }));
  }

  /** 405 `<action> is not supported on resources of kind "pods"`. */
  static methodNotSupported(resource: ResourceRef, action: string): ApiError {
    const gr = toGR(resource);
    return new ApiError(405, 'MethodNotAllowed', `${action} is not supported on resources of kind ${goQuote(grString(gr))}`,
      details({ group: gr.group, kind: gr.resource }));
  }

  /** 406 `only the following media types are accepted: a, b`. */
  static notAcceptable(accepted: readonly string[]): ApiError {
    return new ApiError(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`);
  }

  /** 415 `the body of the request was in an unknown format - accepted media types include: a, b`. */
  static unsupportedMediaType(accepted: readonly string[]): ApiError {
    return new ApiError(415, 'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
  }

  /** 413 `Request entity too large: <message>`. */
  static requestEntityTooLarge(message: string): ApiError {
    return new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
  }

  /** 500 `Internal error occurred: <err>` with the error text as the single cause. */
  static internal(err: unknown): ApiError {
    const text = err instanceof Error ? err.message : String(err);
    return new ApiError(500, 'InternalError', `Internal error occurred: ${text}`,
      details({ causes: [{ message: text }] }), err);
  }
}

/** registry.OptimisticLockErrorMsg. */
export const OPTIMISTIC_LOCK_MSG =
  'the object has been modified; please apply your changes to the latest version and try again';

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** The reason of an ApiError (`NotFound`, `Conflict`, …), or undefined for any other error. */
export function apiErrorReason(err: unknown): string | undefined {
  return err instanceof ApiError ? err.status.reason : undefined;
}

export function isNotFoundError(err: unknown): boolean {
  return apiErrorReason(err) === 'NotFound';
}

export function isConflictError(err: unknown): boolean {
  return apiErrorReason(err) === 'Conflict';
}

export function isAlreadyExistsError(err: unknown): boolean {
  return apiErrorReason(err) === 'AlreadyExists';
}
