// Service-account tokens as kube-apiserver issues and checks them (pkg/serviceaccount claims.go
// and jwt.go): ES256 JWTs signed by the server's key (kid: the unpadded base64url SHA-256 of the
// public key's SPKI DER), with the claims iss, sub, aud, exp, iat, nbf, jti and kubernetes.io
// (namespace, service account, bound pod/secret/node). A token is accepted when it carries the
// issuer, the signature verifies, one of its audiences is wanted, it is within its lifetime (a
// minute of leeway, as go-jose), and the service account (and a bound pod) still exists with the
// uid it names. Other bearer tokens go to the server's static tokens, which are good for the API
// server's own audiences only.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Clock } from '../../lib/clock.ts';
import type { RequestUser, TokenAuthority, TokenReviewOutcome } from '../kinds/kind.ts';

export type IdentityKind = 'serviceaccounts' | 'pods' | 'secrets';

export interface IdentityRecord {
  uid: string;
  /** metadata.deletionTimestamp (ms since the epoch) while the object is being deleted. */
  deletionMs?: number;
}

/** What the token validator reads. */
export interface IdentityLookup {
  get(kind: IdentityKind, namespace: string, name: string): IdentityRecord | undefined;
}

/** kubeadm's and kind's --service-account-issuer; also the API server's audience. */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** go-jose's DefaultLeeway. */
const LEEWAY_SECONDS = 60;
const INVALID_TOKEN = 'invalid bearer token';
const CRYPTO_FAILURE = 'go-jose/go-jose: error in cryptographic primitive';

export interface ObjectRef {
  name: string;
  uid: string;
}

/** What a token is issued for: a service account, optionally bound to a pod, secret or node. */
export interface TokenSubject {
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  /** The node (of a bound pod, or bound itself); its uid may be unknown. */
  node?: { name: string; uid?: string };
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON with every object's keys sorted, as go-jose writes its claims (a Go map). */
function sortedJson(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(norm);
    if (isObj(x)) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, norm(x[k])]));
    return x;
  };
  return JSON.stringify(norm(v));
}

function ref(r: { name: string; uid?: string }): Json {
  const out: Json = {};
  if (r.name !== '') out['name'] = r.name;
  if (r.uid !== undefined && r.uid !== '') out['uid'] = r.uid;
  return out;
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/**
 * The claims of a service-account token (token.Claims): issued and valid from now, expiring
 * after expirationSeconds; iss is added when it is signed.
 */
export function serviceAccountClaims(o: { subject: TokenSubject; audiences: readonly string[]; expirationSeconds: number; nowMs: number; jti: string }): Json {
  const now = Math.floor(o.nowMs / 1000);
  const s = o.subject;
  const k8s: Json = { namespace: s.namespace, serviceaccount: ref(s.serviceAccount) };
  if (s.pod !== undefined) k8s['pod'] = ref(s.pod);
  else if (s.secret !== undefined) k8s['secret'] = ref(s.secret);
  if (s.node !== undefined) k8s['node'] = ref(s.node);
  return {
    aud: [...o.audiences],
    exp: now + o.expirationSeconds,
    iat: now,
    jti: o.jti,
    'kubernetes.io': k8s,
    nbf: now,
    sub: serviceAccountUsername(s.namespace, s.serviceAccount.name),
  };
}

/** The key id kube gives a public key: base64url(sha256(SPKI DER)), unpadded. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

interface ParsedJwt {
  header: Json;
  payload: Json;
  signingInput: string;
  signature: Buffer;
}

/** A compact JWS with JSON header and payload, or undefined (not a JWT: someone else's token). */
export function parseJwt(token: string): ParsedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h = '', p = '', sig = ''] = parts;
  if (![h, p, sig].every((x) => /^[A-Za-z0-9_-]*$/.test(x))) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    if (!isObj(header) || !isObj(payload)) return undefined;
    return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(sig, 'base64url') };
  } catch {
    return undefined;
  }
}

function audienceList(aud: unknown): string[] {
  if (typeof aud === 'string') return aud === '' ? [] : [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

/** Go's %q of a []string: `["a" "b"]`. */
function goQuotedList(xs: readonly string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}

function intersect(a: readonly string[], b: readonly string[]): string[] {
  return a.filter((x, i) => b.includes(x) && a.indexOf(x) === i);
}

export interface ServiceAccountTokensOptions {
  /** PKCS#8 (or SEC1) PEM of the ECDSA P-256 signing key. */
  key: string;
  clock: Clock;
  identities: IdentityLookup;
  issuer?: string;
  /** The API server's audiences (default: the issuer). */
  audiences?: readonly string[];
  /** Users of the server's static bearer tokens (admin, node). */
  staticTokens?: (token: string) => RequestUser | undefined;
}

/** Signs service-account tokens and authenticates every bearer token the server accepts. */
export class ServiceAccountTokens implements TokenAuthority {
  readonly issuer: string;
  readonly audiences: readonly string[];
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly kid: string;

  constructor(private readonly o: ServiceAccountTokensOptions) {
    this.issuer = o.issuer ?? DEFAULT_ISSUER;
    this.audiences = [...(o.audiences ?? [this.issuer])];
    this.privateKey = createPrivateKey(o.key);
    this.publicKey = createPublicKey(this.privateKey);
    this.kid = keyId(this.publicKey);
  }

  sign(claims: Json): string {
    const header = Buffer.from(sortedJson({ alg: 'ES256', kid: this.kid })).toString('base64url');
    const payload = Buffer.from(sortedJson({ ...claims, iss: this.issuer })).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${header}.${payload}.${signature.toString('base64url')}`;
  }

  /** The user behind a request's bearer token (for the API server's audiences), or undefined. */
  authenticate(token: string): RequestUser | undefined {
    const r = this.review(token, this.audiences);
    return r.authenticated ? r.user : undefined;
  }

  review(token: string, audiences: readonly string[]): TokenReviewOutcome {
    const wanted = audiences.length > 0 ? [...audiences] : [...this.audiences];
    const jwt = parseJwt(token);
    if (jwt?.payload['iss'] !== this.issuer) return this.reviewStatic(token, wanted);
    if (jwt.header['alg'] !== 'ES256' || !verify('sha256', Buffer.from(jwt.signingInput), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, jwt.signature)) {
      return { authenticated: false, error: CRYPTO_FAILURE };
    }
    const claims = jwt.payload;
    let tokenAudiences = audienceList(claims['aud']);
    if (tokenAudiences.length === 0) tokenAudiences = [...this.audiences];
    const common = intersect(tokenAudiences, wanted);
    if (common.length === 0) {
      return { authenticated: false, error: `token audiences ${goQuotedList(tokenAudiences)} is invalid for the target audiences ${goQuotedList(wanted)}` };
    }
    const failure = this.validate(claims);
    if (typeof failure === 'string') return { authenticated: false, error: failure };
    return { authenticated: true, user: failure, audiences: common };
  }

  /** The static tokens are audience-agnostic: good for the API server's audiences only. */
  private reviewStatic(token: string, wanted: string[]): TokenReviewOutcome {
    const user = this.o.staticTokens?.(token);
    const common = intersect(wanted, this.audiences);
    if (user === undefined || common.length === 0) return { authenticated: false, error: INVALID_TOKEN };
    return { authenticated: true, user, audiences: common };
  }

  /** The bound-token validator: lifetime, then the objects the token names. */
  private validate(claims: Json): RequestUser | string {
    const now = this.o.clock.now() / 1000;
    const exp = claims['exp'];
    const nbf = claims['nbf'];
    if (typeof exp === 'number' && now > exp + LEEWAY_SECONDS) return 'service account token has expired';
    if (typeof nbf === 'number' && now + LEEWAY_SECONDS < nbf) return 'service account token is not valid yet';
    const k8s = isObj(claims['kubernetes.io']) ? claims['kubernetes.io'] : {};
    const str = (v: unknown): string => (typeof v === 'string' ? v : '');
    const refOf = (v: unknown): ObjectRef | undefined => (isObj(v) ? { name: str(v['name']), uid: str(v['uid']) } : undefined);
    const namespace = str(k8s['namespace']);
    const sa = refOf(k8s['serviceaccount']) ?? { name: '', uid: '' };
    const pod = refOf(k8s['pod']);
    const secret = refOf(k8s['secret']);
    const node = refOf(k8s['node']);
    const deletedBefore = this.o.clock.now() - LEEWAY_SECONDS * 1000;
    const account = this.o.identities.get('serviceaccounts', namespace, sa.name);
    if (account === undefined) return `serviceaccounts ${JSON.stringify(sa.name)} not found`;
    if (account.deletionMs !== undefined && account.deletionMs < deletedBefore) return `service account ${namespace}/${sa.name} has been deleted`;
    if (account.uid !== sa.uid) return `service account UID (${account.uid}) does not match claim (${sa.uid})`;
    if (secret !== undefined) {
      const x = this.o.identities.get('secrets', namespace, secret.name);
      if (x === undefined || (x.deletionMs !== undefined && x.deletionMs < deletedBefore)) return 'service account token has been invalidated';
      if (x.uid !== secret.uid) return `secret UID (${x.uid}) does not match service account secret ref claim (${secret.uid})`;
    }
    if (pod !== undefined) {
      const p = this.o.identities.get('pods', namespace, pod.name);
      if (p === undefined || (p.deletionMs !== undefined && p.deletionMs < deletedBefore)) return 'service account token has been invalidated';
      if (p.uid !== pod.uid) return `pod UID (${p.uid}) does not match service account pod ref claim (${pod.uid})`;
    }
    const extra: Record<string, string[]> = {};
    const jti = str(claims['jti']);
    if (jti !== '') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${jti}`];
    if (node !== undefined && node.name !== '') {
      extra['authentication.kubernetes.io/node-name'] = [node.name];
      if (node.uid !== '') extra['authentication.kubernetes.io/node-uid'] = [node.uid];
    }
    if (pod !== undefined) {
      extra['authentication.kubernetes.io/pod-name'] = [pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [pod.uid];
    }
    const user: RequestUser = {
      name: serviceAccountUsername(namespace, sa.name),
      uid: sa.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    };
    if (Object.keys(extra).length > 0) user.extra = extra;
    return user;
  }
}
