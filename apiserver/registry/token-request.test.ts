import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { createServiceAccountKey } from '../pki.ts';
import { createMemoryStorage } from '../storage/memory-storage.ts';
import { failure } from '../testing/failure.ts';
import { callSubresource, type CallOptions } from '../testing/subresource.ts';
import { IdentityIndex } from './identity-index.ts';
import { Registry } from './registry.ts';
import { DEFAULT_ISSUER, parseJwt, ServiceAccountTokens } from './service-account-tokens.ts';
import { createServiceAccountToken } from './token-request.ts';
import { bootstrapRegistry } from './bootstrap.ts';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
let index: IdentityIndex | undefined;
afterEach(() => { index?.stop(); });

async function setup(): Promise<{ reg: Registry; clock: FakeClock; tokens: ServiceAccountTokens }> {
  const clock = new FakeClock(T0);
  const reg = new Registry(createMemoryStorage(), clock);
  await bootstrapRegistry(reg);
  index = await IdentityIndex.open(reg);
  await reg.serviceAccounts.create('default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } });
  return { reg, clock, tokens: new ServiceAccountTokens({ key: createServiceAccountKey(), clock, identities: index }) };
}

function request(s: Awaited<ReturnType<typeof setup>>, name: string, body: unknown, o: CallOptions = {}): Promise<{ code: number; body: unknown }> {
  return callSubresource(s.reg, s.clock, { group: '', resource: 'serviceaccounts' }, name, createServiceAccountToken, { namespace: 'default', body, tokens: s.tokens, ...o });
}

const TR = { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1' };

describe('serviceaccounts/token', () => {
  it('answers a TokenRequest with a token for the API server\'s audience, valid an hour by default', async () => {
    const s = await setup();
    const out = await request(s, 'builder', { ...TR, metadata: { creationTimestamp: null }, spec: { audiences: null, expirationSeconds: null, boundObjectRef: null } });
    expect(out.code).toBe(201);
    const body = out.body as { metadata: unknown; spec: unknown; status: { token: string; expirationTimestamp: string } };
    expect(body.metadata).toEqual({ creationTimestamp: '2026-11-23T12:00:00Z', name: 'builder', namespace: 'default' });
    expect(body.spec).toEqual({ audiences: [DEFAULT_ISSUER], expirationSeconds: 3600 });
    expect(body.status.expirationTimestamp).toBe('2026-11-23T13:00:00Z');
    const claims = parseJwt(body.status.token)?.payload;
    expect(claims).toMatchObject({ iss: DEFAULT_ISSUER, sub: 'system:serviceaccount:default:builder', aud: [DEFAULT_ISSUER], exp: T0 / 1000 + 3600, iat: T0 / 1000, nbf: T0 / 1000 });
    expect(s.tokens.authenticate(body.status.token)?.name).toBe('system:serviceaccount:default:builder');
  });

  it('binds a token to a pod running as the service account (and its node)', async () => {
    const s = await setup();
    await s.reg.nodes.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } });
    const pod = await s.reg.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { serviceAccountName: 'builder', nodeName: 'node1', containers: [{ name: 'c', image: 'busybox' }] } });
    const out = await request(s, 'builder', { ...TR, spec: { audiences: ['vault'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } });
    const token = (out.body as { status: { token: string } }).status.token;
    expect(parseJwt(token)?.payload['kubernetes.io']).toMatchObject({ namespace: 'default', pod: { name: 'web', uid: pod.metadata?.['uid'] }, node: { name: 'node1' } });
    expect(s.tokens.review(token, ['vault'])).toMatchObject({ authenticated: true, audiences: ['vault'] });
    await s.reg.pods.delete('default', 'web', { gracePeriodSeconds: 0 });
    expect(s.tokens.review(token, ['vault'])).toEqual({ authenticated: false, error: 'service account token has been invalidated' });
  });

  it('refuses what kube refuses, in its words', async () => {
    const s = await setup();
    expect(await failure(request(s, 'builder', { ...TR, spec: { expirationSeconds: 60 } })))
      .toBe('422 TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    expect(await failure(request(s, 'builder', { ...TR, spec: { expirationSeconds: 2 ** 32 + 1 } })))
      .toBe('422 TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds');
    expect(await failure(request(s, 'nope', { ...TR })))
      .toBe('404 serviceaccounts "nope" not found');
    expect(await failure(request(s, 'builder', { ...TR, metadata: { name: 'other' } })))
      .toBe('422 TokenRequest.authentication.k8s.io "builder" is invalid: metadata.name: Invalid value: "other": must match the service account name if specified');
    expect(await failure(request(s, 'builder', { ...TR, spec: { expirationSeconds: 'x' } })))
      .toBe('400 TokenRequest in version "v1" cannot be handled as a TokenRequest: json: cannot unmarshal string into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64');
    expect(await failure(request(s, 'builder', { ...TR, spec: { boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'd' } } })))
      .toBe('400 cannot bind token to object of type apps/v1, Kind=Deployment');
    await s.reg.pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other-sa' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    expect(await failure(request(s, 'builder', { ...TR, spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other-sa' } } })))
      .toBe('400 cannot bind token for serviceaccount "builder" to pod running with different serviceaccount name.');
    await s.reg.nodes.create(undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    expect(await failure(request(s, 'builder', { ...TR, spec: { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'n2', uid: 'wrong' } } })))
      .toBe('409 Operation cannot be fulfilled on Node "n2": the UID in the bound object reference (wrong) does not match the UID in record. The object might have been deleted and then recreated');
    expect(await failure(request(s, 'builder', { kind: 'Eviction' })))
      .toBe('400 Eviction in version "authentication.k8s.io/v1" cannot be handled as a TokenRequest: the object provided is unrecognized (must be of type TokenRequest)');
    expect(await failure(request(s, 'builder', { ...TR }, { tokens: undefined })))
      .toBe('404 the server could not find the requested resource');
  });
});
