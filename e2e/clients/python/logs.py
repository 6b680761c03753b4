"""read_namespaced_pod_log: followed with watch.Watch().stream (as the client documents it), and
the previous instance's log.

usage: logs.py KUBECONFIG NAMESPACE FOLLOW_POD RESTARTED_POD
FOLLOW_POD's container c prints "start", waits for /tmp/go, prints "after-go" and exits; this script
creates /tmp/go (by exec) once it has read "start", so the second line is written while it follows.
RESTARTED_POD's container c has restarted once.
"""
import sys

from kubernetes import watch
from kubernetes.stream import stream

from common import core_v1, emit


def follow(kubeconfig, namespace, pod):
    v1 = core_v1(kubeconfig)
    lines = []
    for line in watch.Watch().stream(v1.read_namespaced_pod_log, name=pod, namespace=namespace, container="c", _request_timeout=30):
        lines.append(line)
        if line == "start":
            # a client of its own: stream() swaps the request function of the one it is given
            stream(core_v1(kubeconfig).connect_get_namespaced_pod_exec, pod, namespace, container="c",
                   command=["touch", "/tmp/go"], stderr=True, stdin=False, stdout=True, tty=False)
    return lines  # the stream ended: the container exited


def main():
    kubeconfig, namespace, follow_pod, restarted_pod = sys.argv[1:5]
    v1 = core_v1(kubeconfig)
    emit({
        "follow": follow(kubeconfig, namespace, follow_pod),
        "previous": v1.read_namespaced_pod_log(restarted_pod, namespace, container="c", previous=True),
        "current": v1.read_namespaced_pod_log(restarted_pod, namespace, container="c"),
    })


if __name__ == "__main__":
    main()
