// core/v1 kinds beyond the first nine: Service, Endpoints, PersistentVolume,
// PersistentVolumeClaim, ResourceQuota, LimitRange; discovery.k8s.io/v1 EndpointSlice;
// storage.k8s.io/v1 StorageClass.
import type { KindDefinition } from './kind.ts';

export const CORE_EXTRA_KINDS: readonly KindDefinition[] = [];
export const DISCOVERY_KINDS: readonly KindDefinition[] = [];
export const STORAGE_KINDS: readonly KindDefinition[] = [];
