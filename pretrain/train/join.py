"""The join channel: every process of a run meets process 0 over one TCP connection before the
engine starts, and keeps it open until the end.

- Joining has a deadline: a coordinator that cannot be reached, a process id taken twice or a
  different process count is a `ClusterError` (one `error:` line, exit 2) within `timeout`
  seconds, not an engine that waits for ever.
- Process 0 answers with what every process must agree on before the first step (the step the
  run resumes from, the workers' addresses TensorFlow needs).
- Afterwards the connection is a watchdog: when a process dies (kill -9, a lost host), its
  connection closes (a lost host: TCP keep-alive notices in ~30 s), process 0 tells the others,
  and each prints one line saying which process was lost and exits with LOST_EXIT, instead of
  waiting in a collective that will never complete. A process that ends normally says so
  first (`finish`), so its closing is not a loss.

Messages are JSON lines."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable

from pretrain.train.cluster import Cluster, ClusterError

LOST_EXIT = 3  # another process of the run was lost
RETRY_SECONDS = 0.5


def _keepalive(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", 10), ("TCP_KEEPINTVL", 5), ("TCP_KEEPCNT", 4)):
        if hasattr(socket, name):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


def _send(sock: socket.socket, message: dict) -> None:
    sock.sendall((json.dumps(message) + "\n").encode())


class _Lines:
    """JSON messages from one socket, a line at a time."""

    def __init__(self, sock: socket.socket) -> None:
        self.reader = sock.makefile("rb")

    def read(self) -> dict | None:
        """The next message; None when the peer closed the connection."""
        try:
            line = self.reader.readline()
            return json.loads(line) if line.strip() else None
        except (OSError, ValueError):  # closed, or not one of ours: the connection is lost
            return None


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def free_coordinator_port(host: str = "127.0.0.1", tries: int = 50) -> int:
    """A free port whose next one is free too: a --coordinator for a run on this machine (the
    run uses PORT and PORT+1)."""
    for _ in range(tries):
        port = free_port(host)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port + 1))
            except OSError:
                continue
        return port
    raise OSError(f"no two free ports in a row on {host}")


class Channel:
    """This process's end of the join channel (`join` returns it)."""

    def __init__(self, cluster: Cluster, peers: dict[int, socket.socket], answer: dict) -> None:
        self.cluster, self.peers, self.answer = cluster, peers, answer
        self.finished = threading.Event()
        self._lock = threading.Lock()
        self.on_lost: Callable[[str], None] = self._exit_lost

    def watch(self) -> None:
        """Start a watchdog thread per connection."""
        for peer, sock in self.peers.items():
            threading.Thread(target=self._watch, args=(peer, sock), daemon=True).start()

    def _watch(self, peer: int, sock: socket.socket) -> None:
        lines = _Lines(sock)
        while True:
            message = lines.read()
            if message is None:
                break
            if message.get("done"):
                return
            if "stop" in message:
                return self._lost(message["stop"])
        if self.finished.is_set():
            return
        role = "process 0 (the coordinator)" if peer == 0 else f"process {peer}"
        reason = f"{role} of {self.cluster.num_processes} stopped or lost its connection"
        if self.cluster.is_writer:
            with self._lock:
                for other, other_sock in self.peers.items():
                    if other != peer:
                        with contextlib.suppress(OSError):
                            _send(other_sock, {"stop": reason})
        self._lost(reason)

    def _lost(self, reason: str) -> None:
        if not self.finished.is_set():
            self.on_lost(reason)

    def _exit_lost(self, reason: str) -> None:
        print(
            f"error: [{self.cluster.label()}] {reason}: stopping. Rerun every process with the "
            "same command to resume from the last checkpoint",
            file=sys.stderr,
            flush=True,
        )
        os._exit(LOST_EXIT)

    def finish(self) -> None:
        """This process ended normally: its connections closing are not a loss."""
        self.finished.set()
        with self._lock:
            for sock in self.peers.values():
                with contextlib.suppress(OSError):
                    _send(sock, {"done": True})


def join(
    cluster: Cluster,
    timeout: float,
    answer: Callable[[], dict] | None = None,
    addresses: bool = False,
) -> Channel:
    """Meet the other processes. Process 0 waits for all of them and sends each `answer()`
    (called once everyone has joined); with `addresses`, each process also reports a free
    port on the interface that reaches the coordinator, and the answer's "workers" lists them
    as [host, port] by process id (TensorFlow's worker addresses)."""
    if cluster.coordinator is None:
        raise ClusterError("joining needs a coordinator address")
    if cluster.is_writer:
        return _serve(cluster, timeout, answer or dict, addresses)
    return _connect(cluster, timeout, addresses)


def _serve(cluster: Cluster, timeout: float, answer, addresses_wanted: bool) -> Channel:
    host, port = cluster.coordinator
    deadline = time.monotonic() + timeout
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(("", port))
    except OSError as err:
        server.close()
        raise ClusterError(
            f"process 0 cannot listen on port {port} for the run's coordinator ({err.strerror}):"
            " choose a free port in --coordinator"
        ) from None
    server.listen(cluster.num_processes)
    peers: dict[int, socket.socket] = {}
    addresses: dict[int, list] = {}
    try:
        while len(peers) < cluster.num_processes - 1:
            left = deadline - time.monotonic()
            if left <= 0:
                missing = sorted(set(range(1, cluster.num_processes)) - set(peers))
                raise ClusterError(
                    f"process 0 waited {timeout:.0f} s at {host}:{port} but process(es) "
                    f"{', '.join(map(str, missing))} of {cluster.num_processes} did not join: "
                    "start every process with the same --coordinator and --num-processes "
                    "(--join-timeout sets the wait)"
                )
            server.settimeout(left)
            try:
                sock, _ = server.accept()
            except TimeoutError:
                continue
            sock.settimeout(max(deadline - time.monotonic(), 1))
            hello = _Lines(sock).read() or {}
            problem = _hello_problem(hello, cluster, peers)
            if problem:
                _send(sock, {"error": problem})
                sock.close()
                continue
            sock.settimeout(None)
            _keepalive(sock)
            peers[hello["process_id"]] = sock
            addresses[hello["process_id"]] = hello.get("address")
    except BaseException:
        for sock in peers.values():
            sock.close()
        raise
    finally:
        server.close()
    addresses[0] = [host, free_port("")] if addresses_wanted else None
    reply = {**answer(), "workers": [addresses[i] for i in range(cluster.num_processes)]}
    for sock in peers.values():
        _send(sock, {"ok": True, **reply})
    channel = Channel(cluster, peers, reply)
    channel.watch()
    return channel


def _hello_problem(hello: dict, cluster: Cluster, peers: dict) -> str | None:
    n, i = hello.get("num_processes"), hello.get("process_id")
    if n != cluster.num_processes:
        return (
            f"process {i} was started for {n} processes but process 0 for "
            f"{cluster.num_processes}: give every process the same --num-processes"
        )
    if i in peers:
        return f"process id {i} has already joined: give each process its own --process-id"
    if not isinstance(i, int) or not 0 < i < cluster.num_processes:
        return f"process id {i} is out of range for {cluster.num_processes} processes"
    return None


def _connect(cluster: Cluster, timeout: float, addresses_wanted: bool) -> Channel:
    host, port = cluster.coordinator
    deadline = time.monotonic() + timeout
    reason = "no answer"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ClusterError(
                f"{cluster.label()} could not reach the coordinator {host}:{port} within "
                f"{timeout:.0f} s ({reason}): is process 0 running, with this address? "
                "(--join-timeout sets the wait)"
            )
        try:
            sock = socket.create_connection((host, port), timeout=min(left, 5))
        except socket.gaierror as err:
            raise ClusterError(
                f"the coordinator's host {host!r} cannot be resolved ({err.strerror})"
            ) from None
        except OSError as err:
            reason = err.strerror or type(err).__name__
            time.sleep(min(RETRY_SECONDS, max(deadline - time.monotonic(), 0)))
            continue
        break
    local = sock.getsockname()[0]
    address = [local, free_port(local)] if addresses_wanted else None
    try:
        _send(
            sock,
            {
                "process_id": cluster.process_id,
                "num_processes": cluster.num_processes,
                "address": address,
            },
        )
        sock.settimeout(max(deadline - time.monotonic(), 1))
        reply = _Lines(sock).read()
    except (OSError, ValueError):
        reply = None
    if not reply or not reply.get("ok"):
        sock.close()
        if reply and "error" in reply:
            raise ClusterError(reply["error"])
        raise ClusterError(
            f"{cluster.label()} reached {host}:{port} but was not let into the run within "
            f"{timeout:.0f} s: did every process start? (--join-timeout sets the wait)"
        )
    sock.settimeout(None)
    _keepalive(sock)
    channel = Channel(cluster, {0: sock}, reply)
    channel.watch()
    return channel
