"""kubernetes.stream.portforward over connect_get_namespaced_pod_portforward: the sockets it hands
out, one per forwarded port.

usage: port_forward.py KUBECONFIG NAMESPACE POD CASE
CASE is echo (8080), concurrent (two forwards to 8080 at once), two_ports (8080 and 9090 in one
forward) or refused (7070). The pod runs an echo server on 8080 and an HTTP server on 9090;
nothing listens on 7070.
"""
import sys
import time

from kubernetes.stream import portforward

from common import core_v1, emit


def recv_until(sock, done):
    """Reads until done(received) or the peer closes; returns what came."""
    got = b""
    while not done(got):
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += chunk
    return got


def echo(v1, namespace, pod):
    pf = portforward(v1.connect_get_namespaced_pod_portforward, pod, namespace, ports="8080")
    sock = pf.socket(8080)
    sock.setblocking(True)
    sock.settimeout(20)
    msg = b"hello from python\n" * 1000
    sock.sendall(msg)
    got = recv_until(sock, lambda b: len(b) >= len(msg))
    sock.close()
    return {"sent": len(msg), "same": got == msg, "received": len(got), "error": pf.error(8080)}


def concurrent(v1, namespace, pod):
    first = portforward(v1.connect_get_namespaced_pod_portforward, pod, namespace, ports="8080")
    second = portforward(v1.connect_get_namespaced_pod_portforward, pod, namespace, ports="8080")
    a, b = first.socket(8080), second.socket(8080)
    for s in (a, b):
        s.setblocking(True)
        s.settimeout(20)
    a.sendall(b"first\n")
    b.sendall(b"second\n")
    got_b = recv_until(b, lambda d: len(d) >= 7)
    got_a = recv_until(a, lambda d: len(d) >= 6)
    a.close()
    b.close()
    return {"first": got_a.decode(), "second": got_b.decode(), "errors": [first.error(8080), second.error(8080)]}


def two_ports(v1, namespace, pod):
    pf = portforward(v1.connect_get_namespaced_pod_portforward, pod, namespace, ports="8080,9090")
    echo_sock = pf.socket(8080)
    web_sock = pf.socket(9090)
    for s in (echo_sock, web_sock):
        s.setblocking(True)
        s.settimeout(20)
    echo_sock.sendall(b"ping 8080\n")
    web_sock.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
    echoed = recv_until(echo_sock, lambda b: len(b) >= len(b"ping 8080\n"))
    page = recv_until(web_sock, lambda b: b"hello from 9090" in b)
    echo_sock.close()
    web_sock.close()
    return {
        "echo": echoed.decode(),
        "http_status": page.split(b"\r\n", 1)[0].decode(),
        "http_body_seen": b"hello from 9090" in page,
        "errors": [pf.error(8080), pf.error(9090)],
    }


def refused(v1, namespace, pod):
    pf = portforward(v1.connect_get_namespaced_pod_portforward, pod, namespace, ports="7070")
    sock = pf.socket(7070)
    sock.setblocking(True)
    sock.settimeout(20)
    started = time.monotonic()
    try:
        sock.sendall(b"anyone?\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the error came first and the client closed the socket already: what follows reads the end
    try:
        got = recv_until(sock, lambda b: False)
    except OSError as e:  # a timeout
        got = ("<%s after %.1f s>" % (e, time.monotonic() - started)).encode()
    sock.close()
    return {"received": got.decode(errors="replace"), "error": pf.error(7070)}


def main():
    kubeconfig, namespace, pod, case = sys.argv[1:5]
    cases = {"echo": echo, "concurrent": concurrent, "two_ports": two_ports, "refused": refused}
    v1 = core_v1(kubeconfig)
    try:
        emit(cases[case](v1, namespace, pod))
    except Exception as e:  # reported as the result: the test shows it next to what it expected
        emit({"exception": "%s: %s" % (type(e).__name__, e)})


if __name__ == "__main__":
    main()
