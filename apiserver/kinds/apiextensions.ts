// apiextensions.k8s.io/v1: CustomResourceDefinition (cluster-scoped, crd/crds, the status
// subresource), declared as the CRD registry of apiextensions-apiserver declares it: defaults,
// PrepareForCreate/Update (status reset, storedVersions, generation), validation with kube's
// words, and a delete that marks the definition Terminating behind its cleanup finalizer. What a
// definition makes the server serve is in ./apiextensions/ (custom-kind.ts) and the registry
// (registry/custom-resources.ts); its conditions come from controllers/crd-controller.ts.
import { defaultCrd, prepareCrdForCreate, prepareCrdForDelete, prepareCrdForUpdate, validateCrd, validateCrdUpdate } from './apiextensions/crd-validation.ts';
import { defineKind, statusSubresource, type KindDefinition } from './kind.ts';

export const CRD_GROUP = 'apiextensions.k8s.io';

export const CUSTOM_RESOURCE_DEFINITION_KIND: KindDefinition = defineKind({
  group: CRD_GROUP, version: 'v1', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions', namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  subresources: [statusSubresource('CustomResourceDefinition')],
  statusSubresource: true,
  generation: true,
  strategy: {
    allowUnconditionalUpdate: false,
    prepareForDelete: (obj, now) => { prepareCrdForDelete(obj, now); },
  },
  defaults: defaultCrd,
  prepareForCreate: prepareCrdForCreate,
  prepareForUpdate: prepareCrdForUpdate,
  validate: validateCrd,
  validateUpdate: validateCrdUpdate,
});

export const APIEXTENSIONS_KINDS: readonly KindDefinition[] = [CUSTOM_RESOURCE_DEFINITION_KIND];
