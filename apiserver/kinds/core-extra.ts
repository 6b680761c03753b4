// core/v1 kinds beyond the first nine: Service, Endpoints, PersistentVolume,
// PersistentVolumeClaim, ResourceQuota, LimitRange; discovery.k8s.io/v1 EndpointSlice;
// storage.k8s.io/v1 StorageClass. Each is declared in its own module under core/.
import { ENDPOINT_SLICE_KIND } from './core/endpoint-slice.ts';
import { ENDPOINTS_KIND } from './core/endpoints.ts';
import { LIMIT_RANGE_KIND } from './core/limit-range.ts';
import { PERSISTENT_VOLUME_CLAIM_KIND } from './core/persistent-volume-claim.ts';
import { PERSISTENT_VOLUME_KIND } from './core/persistent-volume.ts';
import { RESOURCE_QUOTA_KIND } from './core/resource-quota.ts';
import { SERVICE_KIND } from './core/service.ts';
import { STORAGE_CLASS_KIND } from './core/storage-class.ts';
import type { KindDefinition } from './kind.ts';

export const CORE_EXTRA_KINDS: readonly KindDefinition[] = [
  SERVICE_KIND,
  ENDPOINTS_KIND,
  PERSISTENT_VOLUME_KIND,
  PERSISTENT_VOLUME_CLAIM_KIND,
  RESOURCE_QUOTA_KIND,
  LIMIT_RANGE_KIND,
];
export const DISCOVERY_KINDS: readonly KindDefinition[] = [ENDPOINT_SLICE_KIND];
export const STORAGE_KINDS: readonly KindDefinition[] = [STORAGE_CLASS_KIND];
