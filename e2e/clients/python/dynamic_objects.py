"""kubernetes.dynamic.DynamicClient: the generic object API (discovery, then create, get, merge
patch, list by label, delete) on a ConfigMap and a Pod.

usage: dynamic_objects.py KUBECONFIG NAMESPACE
"""
import sys

from kubernetes.dynamic import DynamicClient

from common import api_client, emit

MERGE = "application/merge-patch+json"


def cycle(client, namespace, kind, body, patch):
    api = client.resources.get(api_version="v1", kind=kind)
    name = body["metadata"]["name"]
    created = api.create(body=body, namespace=namespace)
    got = api.get(name=name, namespace=namespace)
    patched = api.patch(name=name, namespace=namespace, body=patch, content_type=MERGE)
    listed = api.get(namespace=namespace, label_selector="suite=python")
    api.delete(name=name, namespace=namespace, grace_period_seconds=0)
    return {
        "created_uid_matches": created.metadata.uid == got.metadata.uid,
        "labels": dict(patched.metadata.labels),
        "data": dict(patched.data) if kind == "ConfigMap" else None,
        "listed": [item.metadata.name for item in listed.items],
    }


def main():
    kubeconfig, namespace = sys.argv[1:3]
    client = DynamicClient(api_client(kubeconfig))
    emit({
        "configmap": cycle(client, namespace, "ConfigMap",
                           {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py-dynamic", "labels": {"suite": "python"}}, "data": {"a": "1"}},
                           {"metadata": {"labels": {"patched": "yes"}}, "data": {"b": "2"}}),
        "pod": cycle(client, namespace, "Pod",
                     {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "py-dynamic-pod", "labels": {"suite": "python"}},
                      "spec": {"terminationGracePeriodSeconds": 1, "containers": [{
                          "name": "c", "image": "localhost/busybox:local", "imagePullPolicy": "IfNotPresent",
                          "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]}]}},
                     {"metadata": {"labels": {"patched": "yes"}}}),
    })


if __name__ == "__main__":
    main()
