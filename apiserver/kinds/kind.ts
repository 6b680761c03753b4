// A served kind, declared once: identity and discovery (group/version/kind/resource, scope,
// verbs, short names, categories, subresources), how `kubectl get` prints it, and the semantics a
// kind adds to the generic store (kube's per-kind strategy.go): scheme defaults, what create and
// update reset (status, generation), hand-written validation, scale and deletion behaviour. The
// structure (fields, types) comes from the OpenAPI schemas, not from here.
import type { Clock } from '../../lib/clock.ts';
import type { Decoder } from '../../kube/schemas/decode.ts';
import type { Schema } from '../../kube/schemas/schemas.ts';
import type { FieldError } from '../api/errors.ts';
import type { TableSpec } from '../api/tables.ts';
import type { KubeObject } from '../storage/types.ts';
import type { DeleteOptionsBody } from '../registry/strategies.ts';

export type Obj = Record<string, unknown>;

export interface SubresourceInfo {
  name: string;
  /** Kind of the subresource's body (Scale, Binding, Eviction…). */
  kind: string;
  verbs: string[];
  /** Group/version of that kind when it is not the parent's (Scale is autoscaling/v1). */
  group?: string;
  version?: string;
}

export type { TableSpec } from '../api/tables.ts';

/** Where a kind with a scale subresource keeps its replicas (autoscaling/v1 Scale). */
export interface ScaleSpec {
  /** Dotted paths into the object. */
  specReplicasPath: string;
  statusReplicasPath: string;
  /** The selector as a string in Scale.status.selector (from spec.selector). */
  labelSelectorPath?: string;
}

export interface KindStrategy {
  /** PUT without metadata.resourceVersion overwrites unconditionally. */
  allowUnconditionalUpdate: boolean;
  /** Seconds of grace for a delete (0 = remove now); undefined for kinds without graceful delete. */
  gracePeriod?(obj: KubeObject, options: DeleteOptionsBody): number;
  /** Converts from the served version to the stored form and back (events.k8s.io). */
  toStorage?(obj: KubeObject): KubeObject;
  fromStorage?(obj: KubeObject): KubeObject;
  /**
   * A delete is about to mark the object for deletion (no deletionTimestamp yet): the kind may
   * change it first, e.g. add the finalizer that holds it (CustomResourceDefinitions: their
   * cleanup finalizer and Terminating condition). Mutates obj; now is RFC 3339.
   */
  prepareForDelete?(obj: KubeObject, now: string): void;
}

/** A kind's own OpenAPI definitions, for kinds the generated schemas do not know (custom resources). */
export interface KindOpenApi {
  /** Definition names of the kind and of its list (`com.example.v1.Widget`). */
  definition: string;
  listDefinition: string;
  /** Those definitions (and any others they name), by name; `$ref`s to other names are to the generated schemas. */
  schemas: Readonly<Record<string, Schema>>;
}

/** Who is asking (from authentication). */
export interface RequestUser {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** What a create-only kind (the reviews) may use to answer. */
export interface ReviewContext {
  user: RequestUser;
  /** The user behind a bearer token, or undefined (TokenReview). */
  authenticate(token: string): RequestUser | undefined;
  /** Whether a user may do something (SubjectAccessReview); reason as the authorizer words it. */
  authorize(user: RequestUser, attributes: Record<string, unknown>): { allowed: boolean; reason: string };
  /** The namespace of the URL (LocalSubjectAccessReview); undefined for cluster-scoped kinds. */
  namespace: string | undefined;
  clock: Clock;
  /** The server's service-account tokens (TokenReview); undefined when it signs none. */
  tokens: TokenAuthority | undefined;
}

/** What a token review concludes (authentication.k8s.io TokenReview's status). */
export type TokenReviewOutcome =
  | { authenticated: true; user: RequestUser; audiences: string[] }
  | { authenticated: false; error: string };

/** The server's service-account token issuer and verifier (serviceaccounts/token, TokenReview). */
export interface TokenAuthority {
  /** The iss claim of the tokens it signs. */
  readonly issuer: string;
  /** The API server's own audiences (a token without another audience is meant for them). */
  readonly audiences: readonly string[];
  /** A signed JWT (compact serialization) carrying claims. */
  sign(claims: Record<string, unknown>): string;
  /** Authenticates a bearer token for the audiences (the API server's when empty). */
  review(token: string, audiences: readonly string[]): TokenReviewOutcome;
}

/** The parent object's store, as a subresource handler sees it. */
export interface ParentStore {
  get(namespace: string | undefined, name: string): Promise<KubeObject>;
  /**
   * Read-modify-write of the parent; fn returns the new object (validated as an update). With
   * prepared, fn's object is stored as it is: the subresource applied its own strategy and
   * validation (pods/ephemeralcontainers, the status writes of an eviction).
   */
  update(namespace: string | undefined, name: string, fn: (current: KubeObject) => KubeObject, options: { dryRun: boolean; prepared?: boolean }): Promise<KubeObject>;
  delete(namespace: string | undefined, name: string, options: DeleteOptionsBody, write: { dryRun: boolean }): Promise<{ object: KubeObject; deleted: boolean }>;
}

export interface SubresourceRequest {
  method: string;
  namespace: string | undefined;
  name: string;
  /** The decoded body (undefined for GET). */
  body: unknown;
  query: URLSearchParams;
  dryRun: boolean;
  /** The media type of the body (a PATCH's patch type), without parameters; '' when absent. */
  contentType: string;
  user: RequestUser;
  clock: Clock;
  /** The server's service-account tokens (serviceaccounts/token); undefined when it signs none. */
  tokens: TokenAuthority | undefined;
  parent: ParentStore;
  /** Another kind's store, by group and resource (eviction reads PodDisruptionBudgets). */
  storeOf(group: string, resource: string): ParentStore | undefined;
  /** Lists another kind's objects in a namespace. */
  list(group: string, resource: string, namespace: string | undefined): Promise<KubeObject[]>;
}

export type SubresourceHandler = (r: SubresourceRequest) => Promise<{ code: number; body: unknown }>;

export interface KindDeclaration {
  group: string;
  version: string;
  kind: string;
  /** Plural, as in URLs. */
  resource: string;
  /** Default: kind in lower case. */
  singular?: string;
  /** Default: kind + "List". */
  listKind?: string;
  namespaced: boolean;
  /** Default: every verb. */
  verbs?: readonly string[];
  shortNames?: readonly string[];
  categories?: readonly string[];
  subresources?: readonly SubresourceInfo[];
  /** Default: Name and Created At (DefaultTableConvertor). */
  table?: TableSpec;
  /**
   * With a status subresource, create resets status and the main endpoint keeps the old status
   * while /status keeps the old spec (kube's status strategies).
   */
  statusSubresource?: boolean;
  /** metadata.generation starts at 1 and grows with each change of spec (spec-bearing kinds). */
  generation?: boolean;
  scale?: ScaleSpec;
  strategy?: Partial<KindStrategy>;
  /** Scheme defaulting, on every decode of a body (SetDefaults_*). Mutates. */
  defaults?(obj: Obj): void;
  /** Registry PrepareForCreate beyond the generic status/generation handling. Mutates. */
  prepareForCreate?(obj: Obj): void;
  /** Registry PrepareForUpdate beyond the generic handling. Mutates obj. */
  prepareForUpdate?(obj: Obj, old: Obj, subresource: '' | 'status'): void;
  /** Semantic validation of a new object (metadata included). */
  validate?(obj: Obj): FieldError[];
  /** Semantic validation of an update (immutable fields, metadata update rules). */
  validateUpdate?(obj: Obj, old: Obj): FieldError[];
  /**
   * Create-only kinds that are answered, never stored (SubjectAccessReview, TokenReview…): the
   * response to a POST of obj (already defaulted and validated).
   */
  review?: (obj: Obj, ctx: ReviewContext) => Obj;
  /** Subresources the kind serves itself (serviceaccounts/token, pods/eviction…), by name. */
  subresourceHandlers?: Readonly<Record<string, SubresourceHandler>>;
  /** The body decoder of a kind the generated schemas do not describe (custom resources: their CRD's schema). */
  decoder?: Decoder;
  /** Whether PATCH takes strategic merge patches (default true; custom resources refuse them with a 415). */
  strategicMergePatch?: boolean;
  /** The kind's OpenAPI definitions when the generated schemas have none (custom resources). */
  openapi?: KindOpenApi;
}

/** A declaration with every default filled in: what the server works with. */
export interface KindDefinition extends Required<Pick<KindDeclaration, 'group' | 'version' | 'kind' | 'resource' | 'namespaced'>> {
  singular: string;
  listKind: string;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  subresources: SubresourceInfo[];
  table: TableSpec | undefined;
  scale: ScaleSpec | undefined;
  strategy: KindStrategy;
  /**
   * Scheme defaulting alone (what decoding a body does), before the field manager records the
   * write; prepareForCreate/prepareForUpdate default again (idempotent). Mutates.
   */
  defaults(obj: Obj): void;
  /** Defaults, then the generic and the kind's PrepareForCreate. */
  prepareForCreate(obj: Obj): void;
  /** Defaults, then the generic and the kind's PrepareForUpdate. */
  prepareForUpdate(obj: Obj, old: Obj, subresource: '' | 'status'): void;
  validate(obj: Obj): FieldError[];
  validateUpdate(obj: Obj, old: Obj): FieldError[];
  review: ((obj: Obj, ctx: ReviewContext) => Obj) | undefined;
  subresourceHandlers: Readonly<Record<string, SubresourceHandler>>;
  decoder: Decoder | undefined;
  strategicMergePatch: boolean;
  openapi: KindOpenApi | undefined;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const statusSubresource = (kind: string): SubresourceInfo => ({ name: 'status', kind, verbs: ['get', 'patch', 'update'] });
export const scaleSubresource: SubresourceInfo = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function meta(o: Obj): Obj {
  if (!isObj(o['metadata'])) o['metadata'] = {};
  return o['metadata'] as Obj;
}

/** Go's reflect.DeepEqual on decoded JSON (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Fills a declaration's defaults and composes the generic strategy steps with the kind's own. */
export function defineKind(d: KindDeclaration): KindDefinition {
  const subresources = [...(d.subresources ?? [])];
  const withStatus = d.statusSubresource === true;
  return {
    group: d.group,
    version: d.version,
    kind: d.kind,
    resource: d.resource,
    namespaced: d.namespaced,
    singular: d.singular ?? d.kind.toLowerCase(),
    listKind: d.listKind ?? `${d.kind}List`,
    verbs: [...(d.verbs ?? ALL_VERBS)],
    shortNames: [...(d.shortNames ?? [])],
    categories: [...(d.categories ?? [])],
    subresources,
    table: d.table,
    scale: d.scale,
    strategy: { allowUnconditionalUpdate: true, ...d.strategy },
    defaults(obj) {
      d.defaults?.(obj);
    },
    prepareForCreate(obj) {
      d.defaults?.(obj);
      if (withStatus) delete obj['status'];
      if (d.generation === true) meta(obj)['generation'] = 1;
      d.prepareForCreate?.(obj);
    },
    prepareForUpdate(obj, old, subresource) {
      d.defaults?.(obj);
      if (withStatus) {
        if (subresource === '') {
          if (old['status'] === undefined) delete obj['status'];
          else obj['status'] = structuredClone(old['status']);
        } else {
          if (old['spec'] === undefined) delete obj['spec'];
          else obj['spec'] = structuredClone(old['spec']);
        }
      }
      if (d.generation === true) {
        const oldGen = typeof meta(old)['generation'] === 'number' ? meta(old)['generation'] as number : 1;
        meta(obj)['generation'] = subresource === '' && !jsonEqual(obj['spec'], old['spec']) ? oldGen + 1 : oldGen;
      }
      d.prepareForUpdate?.(obj, old, subresource);
    },
    validate: (obj) => d.validate?.(obj) ?? [],
    validateUpdate: (obj, old) => d.validateUpdate?.(obj, old) ?? [],
    review: d.review,
    subresourceHandlers: d.subresourceHandlers ?? {},
    decoder: d.decoder,
    strategicMergePatch: d.strategicMergePatch ?? true,
    openapi: d.openapi,
  };
}
