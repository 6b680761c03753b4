import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../lib/clock.ts';
import { createServiceAccountKey, ensureCredentials } from '../pki.ts';
import type { IdentityKind, IdentityLookup, IdentityRecord } from './service-account-tokens.ts';
import { DEFAULT_ISSUER, keyId, parseJwt, serviceAccountClaims, ServiceAccountTokens } from './service-account-tokens.ts';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const KEY = createServiceAccountKey();

class Identities implements IdentityLookup {
  readonly records = new Map<string, IdentityRecord>();
  set(kind: IdentityKind, ns: string, name: string, rec: IdentityRecord | undefined): void {
    if (rec === undefined) this.records.delete(`${kind}/${ns}/${name}`);
    else this.records.set(`${kind}/${ns}/${name}`, rec);
  }
  get(kind: IdentityKind, ns: string, name: string): IdentityRecord | undefined {
    return this.records.get(`${kind}/${ns}/${name}`);
  }
}

function setup(): { tokens: ServiceAccountTokens; clock: FakeClock; ids: Identities } {
  const clock = new FakeClock(T0);
  const ids = new Identities();
  ids.set('serviceaccounts', 'default', 'builder', { uid: 'sa-uid' });
  ids.set('pods', 'default', 'web', { uid: 'pod-uid' });
  const tokens = new ServiceAccountTokens({
    key: KEY, clock, identities: ids,
    staticTokens: (t) => (t === 'admin-token' ? { name: 'admin', groups: ['system:masters', 'system:authenticated'] } : undefined),
  });
  return { tokens, clock, ids };
}

const subject = { namespace: 'default', serviceAccount: { name: 'builder', uid: 'sa-uid' } };

function mint(tokens: ServiceAccountTokens, o: { audiences?: string[]; expirationSeconds?: number; pod?: boolean; nowMs?: number } = {}): string {
  return tokens.sign(serviceAccountClaims({
    subject: o.pod === true ? { ...subject, pod: { name: 'web', uid: 'pod-uid' }, node: { name: 'node1', uid: 'node-uid' } } : subject,
    audiences: o.audiences ?? [DEFAULT_ISSUER], expirationSeconds: o.expirationSeconds ?? 3600, nowMs: o.nowMs ?? T0, jti: 'jti-1',
  }));
}

describe('service-account tokens', () => {
  it('are ES256 JWTs with kube\'s header and claims, verifiable with the public key', () => {
    const { tokens } = setup();
    const token = mint(tokens, { pod: true });
    const [h = '', p = '', s = ''] = token.split('.');
    const pub = createPublicKey(KEY);
    expect(keyId(pub)).toBe(createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64url'));
    expect(Buffer.from(h, 'base64url').toString()).toBe(`{"alg":"ES256","kid":"${keyId(pub)}"}`);
    expect(verify('sha256', Buffer.from(`${h}.${p}`), { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))).toBe(true);
    const now = T0 / 1000;
    // keys sorted as go-jose writes a Go map
    expect(Buffer.from(p, 'base64url').toString()).toBe(JSON.stringify({
      aud: [DEFAULT_ISSUER], exp: now + 3600, iat: now, iss: DEFAULT_ISSUER, jti: 'jti-1',
      'kubernetes.io': { namespace: 'default', node: { name: 'node1', uid: 'node-uid' }, pod: { name: 'web', uid: 'pod-uid' }, serviceaccount: { name: 'builder', uid: 'sa-uid' } },
      nbf: now, sub: 'system:serviceaccount:default:builder',
    }));
  });

  it('authenticate as the service account, with its groups and the token\'s extra', () => {
    const { tokens } = setup();
    expect(tokens.authenticate(mint(tokens))).toEqual({
      name: 'system:serviceaccount:default:builder', uid: 'sa-uid',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': ['JTI=jti-1'] },
    });
    expect(tokens.review(mint(tokens, { pod: true }), [])).toMatchObject({
      authenticated: true, audiences: [DEFAULT_ISSUER],
      user: { extra: {
        'authentication.kubernetes.io/credential-id': ['JTI=jti-1'], 'authentication.kubernetes.io/node-name': ['node1'], 'authentication.kubernetes.io/node-uid': ['node-uid'],
        'authentication.kubernetes.io/pod-name': ['web'], 'authentication.kubernetes.io/pod-uid': ['pod-uid'],
      } },
    });
  });

  it('expire a minute after exp (go-jose\'s leeway) and are not valid before nbf', async () => {
    const { tokens, clock } = setup();
    const token = mint(tokens, { expirationSeconds: 600 });
    await clock.step(660_000);
    expect(tokens.review(token, []).authenticated).toBe(true);
    await clock.step(1_000);
    expect(tokens.review(token, [])).toEqual({ authenticated: false, error: 'service account token has expired' });
    const future = mint(tokens, { nowMs: T0 + 3_600_000 });
    expect(tokens.review(future, [])).toEqual({ authenticated: false, error: 'service account token is not valid yet' });
  });

  it('must be meant for one of the wanted audiences', () => {
    const { tokens } = setup();
    const vault = mint(tokens, { audiences: ['vault'] });
    expect(tokens.authenticate(vault)).toBeUndefined();
    expect(tokens.review(vault, [])).toEqual({ authenticated: false, error: `token audiences ["vault"] is invalid for the target audiences ["${DEFAULT_ISSUER}"]` });
    expect(tokens.review(vault, ['vault', 'other'])).toMatchObject({ authenticated: true, audiences: ['vault'] });
  });

  it('die with their service account or bound pod', async () => {
    const { tokens, ids, clock } = setup();
    const token = mint(tokens, { pod: true });
    ids.set('pods', 'default', 'web', { uid: 'other' });
    expect(tokens.review(token, [])).toEqual({ authenticated: false, error: 'pod UID (other) does not match service account pod ref claim (pod-uid)' });
    ids.set('pods', 'default', 'web', { uid: 'pod-uid', deletionMs: T0 });
    expect(tokens.review(token, []).authenticated).toBe(true);
    await clock.step(61_000);
    expect(tokens.review(token, [])).toEqual({ authenticated: false, error: 'service account token has been invalidated' });
    ids.set('pods', 'default', 'web', undefined);
    expect(tokens.review(token, [])).toEqual({ authenticated: false, error: 'service account token has been invalidated' });
    ids.set('serviceaccounts', 'default', 'builder', { uid: 'new' });
    expect(tokens.review(token, [])).toEqual({ authenticated: false, error: 'service account UID (new) does not match claim (sa-uid)' });
    ids.set('serviceaccounts', 'default', 'builder', undefined);
    expect(tokens.review(token, [])).toEqual({ authenticated: false, error: 'serviceaccounts "builder" not found' });
  });

  it('refuse a token signed with another key, and other tokens go to the static ones', () => {
    const { tokens, clock, ids } = setup();
    const other = new ServiceAccountTokens({ key: createServiceAccountKey(), clock, identities: ids });
    expect(tokens.review(mint(other), [])).toEqual({ authenticated: false, error: 'go-jose/go-jose: error in cryptographic primitive' });
    const token = mint(tokens);
    const parsed = parseJwt(token);
    expect(parsed?.payload['sub']).toBe('system:serviceaccount:default:builder');
    const [h, p, s = ''] = token.split('.');
    const flipped = `${h ?? ''}.${p ?? ''}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BA' : 'AA'}`;
    expect(tokens.review(flipped, []).authenticated).toBe(false);
    expect(tokens.review('admin-token', [])).toEqual({ authenticated: true, user: { name: 'admin', groups: ['system:masters', 'system:authenticated'] }, audiences: [DEFAULT_ISSUER] });
    expect(tokens.review('admin-token', ['vault'])).toEqual({ authenticated: false, error: 'invalid bearer token' });
    expect(tokens.review('garbage', [])).toEqual({ authenticated: false, error: 'invalid bearer token' });
    expect(tokens.review('a.b.c', [])).toEqual({ authenticated: false, error: 'invalid bearer token' });
  });

  it('are signed with pki/sa.key, made once and kept across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodelet-sa-key-'));
    try {
      const first = await ensureCredentials(dir);
      const again = await ensureCredentials(dir);
      expect(first.serviceAccountKey).toBeDefined();
      expect(again.serviceAccountKey).toBe(first.serviceAccountKey);
      expect(statSync(join(dir, 'pki', 'sa.key')).mode & 0o777).toBe(0o600);
      const { clock, ids } = setup();
      const before = new ServiceAccountTokens({ key: first.serviceAccountKey ?? '', clock, identities: ids });
      const after = new ServiceAccountTokens({ key: again.serviceAccountKey ?? '', clock, identities: ids });
      expect(after.authenticate(mint(before))?.name).toBe('system:serviceaccount:default:builder');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
