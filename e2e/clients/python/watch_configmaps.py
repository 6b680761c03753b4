"""watch.Watch().stream over list_namespaced_config_map, as the client's users write it.

usage: watch_configmaps.py KUBECONFIG NAMESPACE NAME    -> the events for ConfigMap NAME while it
                                                           is created, then patched (ADDED, MODIFIED)
       watch_configmaps.py KUBECONFIG NAMESPACE --quiet -> a watch on a namespace where nothing
                                                           changes: no event, ends at timeout_seconds
"""
import sys
import threading
import time

from kubernetes import watch

from common import core_v1, emit


def quiet(v1, namespace):
    # from the list's resourceVersion: what the namespace holds (kube-root-ca.crt) is not an event
    rv = v1.list_namespaced_config_map(namespace).metadata.resource_version
    started = time.monotonic()
    events = ["%s %s" % (ev["type"], ev["object"].metadata.name) for ev in watch.Watch().stream(
        v1.list_namespaced_config_map, namespace, resource_version=rv, timeout_seconds=2)]
    emit({"events": events, "seconds": time.monotonic() - started})


def changes(v1, namespace, name):
    # list, then watch from the list's resourceVersion: every change after the list is delivered,
    # whether it happens before or after the watch request arrives
    rv = v1.list_namespaced_config_map(namespace).metadata.resource_version

    def change():
        v1.create_namespaced_config_map(namespace, {"metadata": {"name": name}, "data": {"n": "1"}})
        v1.patch_namespaced_config_map(name, namespace, {"data": {"n": "2"}})

    writer = threading.Thread(target=change)
    writer.start()
    w = watch.Watch()
    events = []
    try:
        for ev in w.stream(v1.list_namespaced_config_map, namespace, resource_version=rv, timeout_seconds=20):
            obj = ev["object"]
            if obj.metadata.name != name:
                continue
            events.append({"type": ev["type"], "name": obj.metadata.name, "data": obj.data})
            if ev["type"] == "MODIFIED":
                w.stop()
    finally:
        writer.join()
        v1.delete_namespaced_config_map(name, namespace)
    emit({"events": events})


def main():
    kubeconfig, namespace, name = sys.argv[1:4]
    v1 = core_v1(kubeconfig)
    if name == "--quiet":
        quiet(v1, namespace)
    else:
        changes(v1, namespace, name)


if __name__ == "__main__":
    main()
