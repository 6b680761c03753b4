// The discovery.k8s.io labels every party to an EndpointSlice reads or writes: the EndpointSlice
// controller, the API server's `kubernetes` Service, the DNS server's kube-dns, the service proxy.

/** discovery.LabelServiceName: the Service a slice belongs to. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** discovery.LabelManagedBy: who writes the slice. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** discovery.LabelSkipMirror: the mirroring controller leaves these Endpoints alone. */
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
