// The create-only review kinds, answered as kube-apiserver 1.32's REST handlers answer them
// (pkg/registry/authorization/*, pkg/registry/authentication/*): validated with
// pkg/apis/authorization/validation (an invalid review is `.authorization.k8s.io "" is invalid`,
// the internal object having no kind), then the spec is put to the authorizer or the token
// authenticator and the status filled in. Nothing is stored.
import { ApiError, fieldErrors as fe, type FieldError } from '../../api/errors.ts';
import { rfc3339 } from '../../registry/object-meta.ts';
import type { RequestUser, ReviewContext, TokenReviewOutcome } from '../kind.ts';
import { goNonResourceAttributes, goObjectMeta, invalidGo, invalidNil, isEmptyMeta, isNil, isObj, obj, str, strings } from './go-values.ts';

type Obj = Record<string, unknown>;

const AUTHORIZATION = 'authorization.k8s.io';

/** The attributes an authorizer reads (authorizer.AttributesRecord), from a review's spec. */
export function authorizationAttributes(spec: Obj): Record<string, unknown> {
  const res = spec['resourceAttributes'];
  if (isObj(res)) {
    const version = str(res['version']);
    return {
      verb: str(res['verb']),
      namespace: str(res['namespace']),
      apiGroup: str(res['group']),
      apiVersion: version === '' ? '*' : version,
      resource: str(res['resource']),
      subresource: str(res['subresource']),
      name: str(res['name']),
      resourceRequest: true,
    };
  }
  const non = obj(spec['nonResourceAttributes']);
  return { verb: str(non['verb']), path: str(non['path']), resourceRequest: false };
}

/** ValidateSelfSubjectAccessReviewSpec: exactly one of the two attribute kinds. */
function validateAttributes(spec: Obj): FieldError[] {
  const res = spec['resourceAttributes'];
  const non = spec['nonResourceAttributes'];
  const errs: FieldError[] = [];
  if (!isNil(res) && !isNil(non)) {
    errs.push(invalidGo('spec.nonResourceAttributes', goNonResourceAttributes(non), 'cannot be specified in combination with resourceAttributes'));
  }
  if (isNil(res) && isNil(non)) {
    errs.push(invalidNil('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  }
  return errs;
}

/** ValidateSubjectAccessReviewSpec: the attributes, and a user or a group to ask about. */
function validateSubjectSpec(spec: Obj): FieldError[] {
  const errs = validateAttributes(spec);
  if (str(spec['user']) === '' && strings(spec['groups']).length === 0) {
    errs.push(fe.invalid('spec.user', str(spec['user']), 'at least one of user or group must be specified'));
  }
  return errs;
}

function invalidReview(errs: FieldError[]): ApiError {
  return ApiError.invalid('', '', errs, AUTHORIZATION);
}

/** The decision as SubjectAccessReviewStatus: allowed always, reason when given. */
function decide(ctx: ReviewContext, user: RequestUser, spec: Obj): Obj {
  const d = ctx.authorize(user, authorizationAttributes(spec));
  const status: Obj = { allowed: d.allowed };
  if (d.reason !== '') status['reason'] = d.reason;
  return status;
}

/** The answer: kind and apiVersion first, as the encoder writes them (the store fills them in). */
function answer(o: Obj, rest: Obj): Obj {
  return { kind: o['kind'], apiVersion: o['apiVersion'], ...rest };
}

/** An empty ObjectMeta as it is encoded (creationTimestamp is a struct: null, not omitted). */
function emptyMeta(extra: Obj = {}): Obj {
  return { ...extra, creationTimestamp: null };
}

function extraOf(v: unknown): Record<string, string[]> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, x] of Object.entries(v)) out[k] = strings(x);
  return out;
}

export function reviewSelfSubjectAccess(o: Obj, ctx: ReviewContext): Obj {
  const spec = obj(o['spec']);
  const errs = validateAttributes(spec);
  if (!isEmptyMeta(o['metadata'], [])) errs.push(invalidGo('metadata', goObjectMeta(o['metadata']), 'must be empty'));
  if (errs.length > 0) throw invalidReview(errs);
  return answer(o, { metadata: emptyMeta(), spec, status: decide(ctx, ctx.user, spec) });
}

/** The user a SubjectAccessReview asks about. */
function subjectOf(spec: Obj): RequestUser {
  const user: RequestUser = { name: str(spec['user']), groups: strings(spec['groups']) };
  const uid = str(spec['uid']);
  if (uid !== '') user.uid = uid;
  const extra = extraOf(spec['extra']);
  if (extra !== undefined) user.extra = extra;
  return user;
}

export function reviewSubjectAccess(o: Obj, ctx: ReviewContext): Obj {
  const spec = obj(o['spec']);
  const errs = validateSubjectSpec(spec);
  if (!isEmptyMeta(o['metadata'], [])) errs.push(invalidGo('metadata', goObjectMeta(o['metadata']), 'must be empty'));
  if (errs.length > 0) throw invalidReview(errs);
  return answer(o, { metadata: emptyMeta(), spec, status: decide(ctx, subjectOf(spec), spec) });
}

export function reviewLocalSubjectAccess(o: Obj, ctx: ReviewContext): Obj {
  const urlNamespace = ctx.namespace ?? '';
  const meta = obj(o['metadata']);
  // the create handler's EnsureObjectNamespaceMatchesRequestNamespace
  const bodyNamespace = str(meta['namespace']);
  if (bodyNamespace !== '' && bodyNamespace !== urlNamespace) {
    throw ApiError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const namespaced = { ...meta, namespace: urlNamespace };
  const spec = obj(o['spec']);
  const errs = validateSubjectSpec(spec);
  if (!isEmptyMeta(namespaced, ['namespace'])) errs.push(invalidGo('metadata', goObjectMeta(namespaced), 'must be empty except for namespace'));
  const res = spec['resourceAttributes'];
  if (isObj(res) && str(res['namespace']) !== urlNamespace) {
    errs.push(fe.invalid('spec.resourceAttributes.namespace', str(res['namespace']), 'must match metadata.namespace'));
  }
  if (!isNil(spec['nonResourceAttributes'])) {
    errs.push(invalidGo('spec.nonResourceAttributes', goNonResourceAttributes(spec['nonResourceAttributes']), 'disallowed on this kind of request'));
  }
  if (errs.length > 0) throw invalidReview(errs);
  if (urlNamespace === '') throw ApiError.badRequest('namespace is required on this type: ');
  return answer(o, { metadata: emptyMeta({ namespace: urlNamespace }), spec, status: decide(ctx, subjectOf(spec), spec) });
}

/** What every authenticated user may do (system:basic-user, system:discovery, system:public-info-viewer). */
const AUTHENTICATED_RESOURCE_RULES: readonly Obj[] = [
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
  { verbs: ['create'], apiGroups: [AUTHORIZATION], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
];
const AUTHENTICATED_NON_RESOURCE_RULES: readonly Obj[] = [
  { verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] },
  { verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'] },
];

/**
 * The rules of a user in a namespace (the rule resolver): everything for a user the authorizer
 * allows every verb on every resource (cluster-admin's two rules), and what every authenticated
 * user may do.
 */
export function rulesFor(ctx: ReviewContext, namespace: string): { resourceRules: Obj[]; nonResourceRules: Obj[] } {
  const all = ctx.authorize(ctx.user, { verb: '*', namespace, apiGroup: '*', apiVersion: '*', resource: '*', subresource: '', name: '', resourceRequest: true }).allowed;
  const resourceRules: Obj[] = all ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] : [];
  const nonResourceRules: Obj[] = all ? [{ verbs: ['*'], nonResourceURLs: ['*'] }] : [];
  if (ctx.user.groups.includes('system:authenticated')) {
    resourceRules.push(...AUTHENTICATED_RESOURCE_RULES.map((r) => structuredClone(r)));
    nonResourceRules.push(...AUTHENTICATED_NON_RESOURCE_RULES.map((r) => structuredClone(r)));
  }
  return { resourceRules, nonResourceRules };
}

export function reviewSelfSubjectRules(o: Obj, ctx: ReviewContext): Obj {
  const namespace = str(obj(o['spec'])['namespace']);
  if (namespace === '') throw ApiError.badRequest('no namespace on request');
  const rules = rulesFor(ctx, namespace);
  // the answer is a new object: the spec is not echoed
  return answer(o, { metadata: emptyMeta(), spec: {}, status: { ...rules, incomplete: false } });
}

/** authentication.k8s.io UserInfo (empty fields left out). */
export function userInfo(user: RequestUser): Obj {
  const out: Obj = {};
  if (user.name !== '') out['username'] = user.name;
  if (user.uid !== undefined && user.uid !== '') out['uid'] = user.uid;
  if (user.groups.length > 0) out['groups'] = [...user.groups];
  if (user.extra !== undefined && Object.keys(user.extra).length > 0) {
    out['extra'] = Object.fromEntries(Object.keys(user.extra).sort().map((k) => [k, [...(user.extra?.[k] ?? [])]]));
  }
  return out;
}

export function reviewSelfSubject(o: Obj, ctx: ReviewContext): Obj {
  return answer(o, { metadata: { creationTimestamp: rfc3339(ctx.clock.now()) }, status: { userInfo: userInfo(ctx.user) } });
}

export function reviewToken(o: Obj, ctx: ReviewContext): Obj {
  const spec = obj(o['spec']);
  const token = str(spec['token']);
  if (token === '') throw ApiError.badRequest('token is required for TokenReview in authentication');
  const audiences = strings(spec['audiences']);
  let outcome: TokenReviewOutcome;
  if (ctx.tokens !== undefined) {
    outcome = ctx.tokens.review(token, audiences);
  } else {
    const user = ctx.authenticate(token);
    outcome = user === undefined ? { authenticated: false, error: 'invalid bearer token' } : { authenticated: true, user, audiences };
  }
  const status: Obj = outcome.authenticated
    ? { authenticated: true, user: userInfo(outcome.user), ...(outcome.audiences.length > 0 ? { audiences: outcome.audiences } : {}) }
    : { user: {}, error: outcome.error };
  return answer(o, { metadata: { creationTimestamp: null, ...obj(o['metadata']) }, spec, status });
}
