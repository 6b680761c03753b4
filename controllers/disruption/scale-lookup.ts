// getScaleController: the scale of a controller of any kind, through the API server. The
// ownerReference's group/version/kind is mapped to a resource by discovery (as upstream's
// RESTMapper), then its scale subresource is read. A 404 means either no such object (no
// controller) or a kind without a scale subresource (an error), told apart by discovery.
import type { OwnerReference } from 'kubernetes-types/meta/v1.d.ts';
import { isClientNotFound, type ApiClient } from '../../kube/client/client.ts';
import type { ControllerScale } from './expected-count.ts';
import { groupVersionString, parseGroupVersion } from './group-version.ts';

export interface ScaleSource {
  /** The controller's uid and spec.replicas; undefined when ref names no such object. */
  scaleOf(ref: OwnerReference, namespace: string): Promise<ControllerScale | undefined>;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced?: boolean;
  group?: string;
  version?: string;
}

interface Scale {
  metadata?: { uid?: string };
  spec?: { replicas?: number };
}

/** The group/versions whose Scale the scale client reads (scaleclient.NewScaleConverter().ScaleVersions()). */
const SCALE_VERSIONS = ['autoscaling/v1', 'extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2'];

export class ApiScaleSource implements ScaleSource {
  /** Discovery documents in which a kind was found (a miss is asked again next time). */
  private readonly discovered = new Map<string, ApiResource[]>();

  constructor(private readonly client: ApiClient) {}

  /** One discovery document; [] when the group/version is not served. */
  private async resources(group: string, version: string): Promise<ApiResource[]> {
    try {
      const doc = await this.client.json<{ resources?: ApiResource[] }>('GET', group === '' ? `/api/${version}` : `/apis/${group}/${version}`);
      return doc.resources ?? [];
    } catch (err) {
      if (isClientNotFound(err)) return [];
      throw err;
    }
  }

  /** RESTMapping(groupKind, version): the resource serving kind. */
  private async mapping(group: string, version: string, kind: string): Promise<ApiResource> {
    const gv = groupVersionString(group, version);
    const cached = this.discovered.get(gv)?.find((r) => r.kind === kind && !r.name.includes('/'));
    if (cached !== undefined) return cached;
    const list = await this.resources(group, version);
    const found = list.find((r) => r.kind === kind && !r.name.includes('/'));
    if (found === undefined) throw new Error(`no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(gv)}`);
    this.discovered.set(gv, list);
    return found;
  }

  /** implementsScale: discovery lists "<resource>/scale" returning a Scale the scale client reads. */
  private async implementsScale(group: string, version: string, resource: string): Promise<boolean> {
    const list = await this.resources(group, version);
    return list.some((r) => r.name === `${resource}/scale` && r.kind === 'Scale'
      && SCALE_VERSIONS.includes(groupVersionString(r.group ?? group, r.version ?? version)));
  }

  async scaleOf(ref: OwnerReference, namespace: string): Promise<ControllerScale | undefined> {
    const { group, version } = parseGroupVersion(ref.apiVersion);
    const mapping = await this.mapping(group, version, ref.kind);
    const path = this.client.path({ group, version, resource: mapping.name, namespaced: mapping.namespaced ?? true }, namespace, ref.name, 'scale');
    let scale: Scale;
    try {
      scale = await this.client.json<Scale>('GET', path);
    } catch (err) {
      if (!isClientNotFound(err)) throw err;
      if (!await this.implementsScale(group, version, mapping.name)) {
        const gr = group === '' ? mapping.name : `${mapping.name}.${group}`;
        throw new Error(`${gr} does not implement the scale subresource`, { cause: err });
      }
      return undefined;
    }
    if (scale.metadata?.uid !== ref.uid) return undefined;
    return { uid: ref.uid, scale: scale.spec?.replicas ?? 0 };
  }
}
