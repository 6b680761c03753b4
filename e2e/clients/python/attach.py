"""kubernetes.stream.stream over connect_get_namespaced_pod_attach with stdin, no tty.

usage: attach.py KUBECONFIG NAMESPACE POD CONTAINER
The container echoes every line it reads as "got:<line>".
"""
import sys
import time

from kubernetes.stream import stream

from common import core_v1, emit


def main():
    kubeconfig, namespace, pod, container = sys.argv[1:5]
    resp = stream(core_v1(kubeconfig).connect_get_namespaced_pod_attach, pod, namespace, container=container,
                  stdin=True, stdout=True, stderr=True, tty=False, _preload_content=False)
    resp.write_stdin("hello from python\n")
    out = ""
    deadline = time.monotonic() + 15
    while "got:hello from python\n" not in out and resp.is_open() and time.monotonic() < deadline:
        resp.update(timeout=1)
        out += resp.read_stdout(timeout=0) if resp.peek_stdout() else ""
    err = resp.read_stderr(timeout=0) if resp.peek_stderr() else ""
    resp.close()
    emit({"stdout": out, "stderr": err})


if __name__ == "__main__":
    main()
