import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib/clock.ts';
import { ApiError } from '../../api/errors.ts';
import { Registry } from '../../registry/registry.ts';
import { createMemoryStorage } from '../../storage/memory-storage.ts';
import type { KubeObject } from '../../storage/types.ts';
import type { RequestUser, ReviewContext, TokenAuthority } from '../kind.ts';

const ADMIN: RequestUser = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const SA: RequestUser = {
  name: 'system:serviceaccount:default:default', uid: 'u-1', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
  extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j'] },
};

function context(user: RequestUser, o: { namespace?: string; tokens?: TokenAuthority } = {}): ReviewContext & { asked: Record<string, unknown>[] } {
  const asked: Record<string, unknown>[] = [];
  return {
    asked,
    user,
    authenticate: (token) => (token === 'admin-token' ? ADMIN : undefined),
    authorize: (u, attributes) => {
      asked.push(attributes);
      return u.groups.includes('system:masters') ? { allowed: true, reason: '' } : { allowed: false, reason: 'no RBAC policy matched' };
    },
    namespace: o.namespace,
    clock: new FakeClock(Date.UTC(2026, 10, 23, 12, 0, 0)),
    tokens: o.tokens,
  };
}

const registry = new Registry(createMemoryStorage(), new FakeClock());

function review(resource: string, body: Record<string, unknown>, ctx: ReviewContext): KubeObject {
  const group = resource.endsWith('accessreviews') || resource.endsWith('rulesreviews') ? 'authorization.k8s.io' : 'authentication.k8s.io';
  return registry.store(group, 'v1', resource).review(body, ctx);
}

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return `${err.httpCode} ${err.message}`;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('review kinds', () => {
  it('SelfSubjectAccessReview asks the authorizer about the requester, with the attributes kube passes', () => {
    const ctx = context(ADMIN);
    const out = review('selfsubjectaccessreviews', { metadata: { creationTimestamp: null }, spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } } }, ctx);
    expect(out).toEqual({
      kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', group: 'apps', resource: 'deployments' } }, status: { allowed: true },
    });
    expect(ctx.asked).toEqual([{ verb: 'create', namespace: 'default', apiGroup: 'apps', apiVersion: '*', resource: 'deployments', subresource: '', name: '', resourceRequest: true }]);
    const denied = review('selfsubjectaccessreviews', { spec: { nonResourceAttributes: { path: '/logs', verb: 'get' } } }, context(SA));
    expect(denied['status']).toEqual({ allowed: false, reason: 'no RBAC policy matched' });
  });

  it('refuses reviews as kube words it (the internal object has no kind)', () => {
    expect(failure(() => review('selfsubjectaccessreviews', { spec: {} }, context(ADMIN))))
      .toBe('422 .authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
    expect(failure(() => review('selfsubjectaccessreviews', { spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } } }, context(ADMIN))))
      .toBe('422 .authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:"/x", Verb:"get"}: cannot be specified in combination with resourceAttributes');
    expect(failure(() => review('subjectaccessreviews', { spec: { resourceAttributes: { verb: 'get' } } }, context(ADMIN))))
      .toBe('422 .authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified');
    expect(failure(() => review('subjectaccessreviews', { metadata: { name: 'x' }, spec: { user: 'u', resourceAttributes: { verb: 'get' } } }, context(ADMIN))))
      .toBe('422 .authorization.k8s.io "" is invalid: metadata: Invalid value: v1.ObjectMeta{Name:"x", GenerateName:"", Namespace:"", SelfLink:"", UID:"", ResourceVersion:"", Generation:0, '
        + 'CreationTimestamp:time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC), DeletionTimestamp:<nil>, DeletionGracePeriodSeconds:(*int64)(nil), Labels:map[string]string(nil), '
        + 'Annotations:map[string]string(nil), OwnerReferences:[]v1.OwnerReference(nil), Finalizers:[]string(nil), ManagedFields:[]v1.ManagedFieldsEntry(nil)}: must be empty');
  });

  it('SubjectAccessReview asks about the named user and groups', () => {
    const ctx = context(ADMIN);
    const out = review('subjectaccessreviews', { spec: { user: 'bob', groups: ['system:masters'], resourceAttributes: { verb: 'get', resource: 'pods', version: 'v1' } } }, ctx);
    expect(out['status']).toEqual({ allowed: true });
    expect(review('subjectaccessreviews', { spec: { user: 'bob', nonResourceAttributes: { path: '/x', verb: 'get' } } }, ctx)['status'])
      .toEqual({ allowed: false, reason: 'no RBAC policy matched' });
    expect(ctx.asked[1]).toEqual({ verb: 'get', path: '/x', resourceRequest: false });
  });

  it('LocalSubjectAccessReview takes the URL\'s namespace and checks it against the attributes', () => {
    const out = review('localsubjectaccessreviews', { spec: { groups: ['system:masters'], resourceAttributes: { namespace: 'team', verb: 'get', resource: 'pods' } } }, context(ADMIN, { namespace: 'team' }));
    expect(out['metadata']).toEqual({ namespace: 'team', creationTimestamp: null });
    expect(out['status']).toEqual({ allowed: true });
    expect(failure(() => review('localsubjectaccessreviews', { spec: { user: 'u', resourceAttributes: { namespace: 'other', verb: 'get' } } }, context(ADMIN, { namespace: 'team' }))))
      .toBe('422 .authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace');
    expect(failure(() => review('localsubjectaccessreviews', { spec: { user: 'u', nonResourceAttributes: { path: '/x', verb: 'get' } } }, context(ADMIN, { namespace: 'team' }))))
      .toBe('422 .authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:"/x", Verb:"get"}: disallowed on this kind of request');
    expect(failure(() => review('localsubjectaccessreviews', { metadata: { namespace: 'x' }, spec: { user: 'u', resourceAttributes: { namespace: 'team' } } }, context(ADMIN, { namespace: 'team' }))))
      .toBe('400 the namespace of the provided object does not match the namespace sent on the request');
  });

  it('SelfSubjectRulesReview lists everything for an administrator and the basics for everyone', () => {
    const admin = review('selfsubjectrulesreviews', { spec: { namespace: 'default' } }, context(ADMIN));
    expect(admin['spec']).toEqual({});
    const status = admin['status'] as { resourceRules: unknown[]; nonResourceRules: unknown[]; incomplete: boolean };
    expect(status.resourceRules[0]).toEqual({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    expect(status.nonResourceRules[0]).toEqual({ verbs: ['*'], nonResourceURLs: ['*'] });
    expect(status.incomplete).toBe(false);
    const sa = review('selfsubjectrulesreviews', { spec: { namespace: 'default' } }, context(SA))['status'] as typeof status;
    expect(sa.resourceRules).toEqual([
      { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
    ]);
    expect(failure(() => review('selfsubjectrulesreviews', { spec: {} }, context(ADMIN)))).toBe('400 no namespace on request');
  });

  it('SelfSubjectReview answers who the requester is', () => {
    expect(review('selfsubjectreviews', {}, context(SA))).toEqual({
      kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: '2026-11-23T12:00:00Z' },
      status: { userInfo: { username: 'system:serviceaccount:default:default', uid: 'u-1', groups: SA.groups, extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j'] } } },
    });
  });

  it('TokenReview needs a token and answers from the token authority, or the static tokens without one', () => {
    expect(failure(() => review('tokenreviews', { spec: {} }, context(ADMIN)))).toBe('400 token is required for TokenReview in authentication');
    const tokens: TokenAuthority = {
      issuer: 'https://kubernetes.default.svc.cluster.local', audiences: ['https://kubernetes.default.svc.cluster.local'],
      sign: () => 'x',
      review: (token, auds) => (token === 'sa-token' ? { authenticated: true, user: SA, audiences: auds.length > 0 ? [...auds] : ['api'] } : { authenticated: false, error: 'invalid bearer token' }),
    };
    expect(review('tokenreviews', { spec: { token: 'sa-token', audiences: ['vault'] } }, context(ADMIN, { tokens }))['status']).toEqual({
      authenticated: true, audiences: ['vault'],
      user: { username: SA.name, uid: 'u-1', groups: SA.groups, extra: { 'authentication.kubernetes.io/credential-id': ['JTI=j'] } },
    });
    expect(review('tokenreviews', { spec: { token: 'nope' } }, context(ADMIN, { tokens }))['status']).toEqual({ user: {}, error: 'invalid bearer token' });
    expect(review('tokenreviews', { spec: { token: 'admin-token' } }, context(ADMIN))['status'])
      .toEqual({ authenticated: true, user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] } });
  });
});
