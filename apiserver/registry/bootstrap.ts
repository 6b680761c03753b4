// What a cluster starts with, over a fresh or reopened registry (idempotent): the custom
// resources of the stored CustomResourceDefinitions served, the initial namespaces, and the
// bootstrap RBAC policy.
import { ApiError } from '../api/errors.ts';
import type { KubeObject } from '../storage/types.ts';
import { CustomResourceServing } from './custom-resources.ts';
import { bootstrapRbac } from './rbac-bootstrap.ts';
import type { Registry } from './registry.ts';

export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** Bootstraps the registry; the returned serving of custom resources runs until stopped. */
export async function bootstrapRegistry(registry: Registry): Promise<CustomResourceServing> {
  const customResources = new CustomResourceServing(registry);
  await customResources.start();
  for (const name of INITIAL_NAMESPACES) {
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    try {
      await registry.namespaces.create(undefined, ns);
    } catch (err) {
      if (!(err instanceof ApiError && err.status.reason === 'AlreadyExists')) throw err;
    }
  }
  await bootstrapRbac(registry);
  return customResources;
}
