import { describe, expect, it } from 'vitest';
import { ApiError, fieldErrorBody, fieldErrors, fieldErrorString, goQuote, isNotFoundError } from './errors.ts';

describe('field errors', () => {
  it('renders bodies like field.Error.ErrorBody', () => {
    expect(fieldErrorString(fieldErrors.required('spec.containers[0].image'))).toBe('spec.containers[0].image: Required value');
    expect(fieldErrorBody(fieldErrors.required('x', 'must set one'))).toBe('Required value: must set one');
    expect(fieldErrorBody(fieldErrors.invalid('metadata.name', 'Foo', 'bad'))).toBe('Invalid value: "Foo": bad');
    expect(fieldErrorBody(fieldErrors.invalid('x', -1, 'must be greater than or equal to 0'))).toBe(
      'Invalid value: -1: must be greater than or equal to 0');
    expect(fieldErrorBody(fieldErrors.invalid('x', true, 'no'))).toBe('Invalid value: true: no');
    expect(fieldErrorBody(fieldErrors.invalid('x', null, 'no'))).toBe('Invalid value: "null": no');
    expect(fieldErrorBody(fieldErrors.invalid('x', ['a', 'b'], 'no'))).toBe('Invalid value: []string{"a", "b"}: no');
    expect(fieldErrorBody(fieldErrors.notSupported('spec.restartPolicy', 'Sometimes', ['Always', 'OnFailure', 'Never']))).toBe(
      'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
    expect(fieldErrorBody(fieldErrors.duplicate('spec.containers[1].name', 'c'))).toBe('Duplicate value: "c"');
    expect(fieldErrorBody(fieldErrors.forbidden('spec', 'may not be set'))).toBe('Forbidden: may not be set');
    expect(fieldErrorBody(fieldErrors.tooLong('metadata.annotations', 262144))).toBe(
      'Too long: may not be more than 262144 bytes');
    expect(fieldErrorBody(fieldErrors.tooMany('x', 5, 4))).toBe('Too many: 5: must have at most 4 items');
    expect(fieldErrorBody(fieldErrors.notFound('x', 'y'))).toBe('Not found: "y"');
  });

  it('quotes like strconv.Quote', () => {
    expect(goQuote('a"b\\c\n\u0001é')).toBe('"a\\"b\\\\c\\n\\x01é"');
  });
});

describe('ApiError', () => {
  it('notFound', () => {
    const e = ApiError.notFound('pods', 'nope');
    expect(e.httpCode).toBe(404);
    expect(e.message).toBe('pods "nope" not found');
    expect(e.reason).toBe('NotFound');
    expect(e.code).toBe('ERR_API_NOT_FOUND');
    expect(JSON.stringify(e.status)).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"nope\\" not found",' +
      '"reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}');
    expect(isNotFoundError(e)).toBe(true);
    expect(ApiError.notFound({ group: 'coordination.k8s.io', resource: 'leases' }, 'x').status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'leases.coordination.k8s.io "x" not found',
      reason: 'NotFound', details: { name: 'x', group: 'coordination.k8s.io', kind: 'leases' }, code: 404,
    });
  });

  it('alreadyExists and conflict', () => {
    expect(ApiError.alreadyExists('pods', 'nginx').status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nginx" already exists',
      reason: 'AlreadyExists', details: { name: 'nginx', kind: 'pods' }, code: 409,
    });
    expect(ApiError.conflict('pods', 'nginx').status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'Operation cannot be fulfilled on pods "nginx": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict', details: { name: 'nginx', kind: 'pods' }, code: 409,
    });
    expect(ApiError.conflict('pods', 'web', 'Precondition failed: UID in precondition: a, UID in object meta: b').message).toBe(
      'Operation cannot be fulfilled on pods "web": Precondition failed: UID in precondition: a, UID in object meta: b');
  });

  it('invalid with one and several errors', () => {
    const one = ApiError.invalid('Pod', 'x', [fieldErrors.required('spec.containers[0].image')]);
    expect(one.status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'Pod "x" is invalid: spec.containers[0].image: Required value', reason: 'Invalid',
      details: { name: 'x', kind: 'Pod', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }] },
      code: 422,
    });
    const two = ApiError.invalid('Pod', 'Nginx', [
      fieldErrors.invalid('metadata.name', 'Nginx', 'bad'),
      fieldErrors.required('spec.containers[0].image'),
      fieldErrors.required('spec.containers[0].image'),
    ]);
    expect(two.message).toBe('Pod "Nginx" is invalid: [metadata.name: Invalid value: "Nginx": bad, spec.containers[0].image: Required value]');
    expect(two.status.details?.causes).toHaveLength(3);
    expect(ApiError.invalid('Lease', 'n', [], 'coordination.k8s.io').status).toMatchObject({
      message: 'Lease.coordination.k8s.io "n" is invalid', details: { name: 'n', group: 'coordination.k8s.io', kind: 'Lease' },
    });
  });

  it('other constructors', () => {
    expect(ApiError.badRequest('field label not supported: spec.foo').status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'field label not supported: spec.foo', reason: 'BadRequest', code: 400,
    });
    expect(ApiError.tooOldResourceVersion(104, 1050).status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 104 (1050)', reason: 'Expired', code: 410,
    });
    expect(ApiError.unauthorized().status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401,
    });
    expect(ApiError.forbidden('pods', '', 'User "bob" cannot create resource "pods" in API group "" in the namespace "default"').status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'pods is forbidden: User "bob" cannot create resource "pods" in API group "" in the namespace "default"',
      reason: 'Forbidden', details: { kind: 'pods' }, code: 403,
    });
    expect(ApiError.methodNotSupported('pods', 'deletecollection').status).toMatchObject({
      message: 'deletecollection is not supported on resources of kind "pods"', reason: 'MethodNotAllowed', details: { kind: 'pods' }, code: 405,
    });
    expect(ApiError.unsupportedMediaType(['application/json', 'application/yaml']).status).toMatchObject({
      message: 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
      reason: 'UnsupportedMediaType', code: 415,
    });
    expect(ApiError.notAcceptable(['application/json']).status).toMatchObject({
      message: 'only the following media types are accepted: application/json', reason: 'NotAcceptable', code: 406,
    });
    expect(ApiError.requestEntityTooLarge('limit is 3145728').status).toMatchObject({
      message: 'Request entity too large: limit is 3145728', reason: 'RequestEntityTooLarge', code: 413,
    });
    expect(ApiError.internal(new Error('boom')).status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Internal error occurred: boom',
      reason: 'InternalError', details: { causes: [{ message: 'boom' }] }, code: 500,
    });
  });
});
