"""kubernetes.stream.stream over connect_get_namespaced_pod_exec, booleans as Python sends them
(`stderr=True`, `stdin=False`, ... end up as `True`/`False` in the query string).

usage: exec_commands.py KUBECONFIG NAMESPACE POD CONTAINER
Prints, for each command it runs: stdout, stderr and the exit code (`returncode` after run_forever).
"""
import sys

from kubernetes.stream import stream

from common import core_v1, emit


def run(v1, namespace, pod, container, command, stdin=None):
    resp = stream(
        v1.connect_get_namespaced_pod_exec, pod, namespace,
        container=container, command=command,
        stderr=True, stdin=stdin is not None, stdout=True, tty=False,
        _preload_content=False,
    )
    if stdin is not None:
        resp.write_stdin(stdin)
    resp.run_forever(timeout=20)
    result = {
        "open": resp.is_open(),
        "stdout": resp.read_stdout(),
        "stderr": resp.read_stderr(),
        "returncode": resp.returncode,
    }
    resp.close()
    return result


def main():
    kubeconfig, namespace, pod, container = sys.argv[1:5]
    v1 = core_v1(kubeconfig)
    emit({
        "ok": run(v1, namespace, pod, container, ["sh", "-c", "echo hello"]),
        "fail": run(v1, namespace, pod, container, ["sh", "-c", "echo to-out; echo to-err >&2; exit 3"]),
        "stdin": run(v1, namespace, pod, container, ["sh", "-c", "read line; echo \"got:$line\"; exit 4"], stdin="from python\n"),
    })


if __name__ == "__main__":
    main()
