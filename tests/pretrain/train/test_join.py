"""The join channel over real sockets, its processes as threads: everyone meets process 0
and hears its answer; a taken id or another process count is refused; a lost process is
reported to the others."""

import socket
import threading
import time

import pytest

from pretrain.train.cluster import Cluster, ClusterError
from pretrain.train.join import free_coordinator_port, join


def start(cluster, results, timeout=20, **kwargs):
    def run():
        try:
            results[cluster.process_id] = join(cluster, timeout, **kwargs)
        except ClusterError as err:
            results[cluster.process_id] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def clusters(count, port):
    return [Cluster(count, i, ("127.0.0.1", port), "flags") for i in range(count)]


def test_every_process_hears_process_0s_answer_and_the_addresses():
    results = {}
    threads = [
        start(c, results, answer=lambda: {"first_step": 40}, addresses=True)
        for c in reversed(clusters(3, free_coordinator_port()))  # the workers first: they wait
    ]
    for thread in threads:
        thread.join(30)
    answers = [results[i].answer for i in range(3)]
    assert all(a["first_step"] == 40 for a in answers)
    workers = answers[1]["workers"]
    assert answers[0]["workers"] == workers and len({tuple(w) for w in workers}) == 3
    for channel in results.values():
        channel.finish()


def test_a_taken_id_or_another_count_is_refused_and_process_0_waits_on():
    port = free_coordinator_port()
    results = {}
    zero = start(Cluster(2, 0, ("127.0.0.1", port), "flags"), results, timeout=4)
    time.sleep(0.5)
    wrong = {}
    start(Cluster(3, 1, ("127.0.0.1", port), "flags"), wrong).join(10)
    assert "started for 3 processes but process 0 for 2" in str(wrong[1])
    zero.join(10)
    assert isinstance(results[0], ClusterError) and "did not join" in str(results[0])


def test_a_lost_process_is_reported_to_the_others():
    port = free_coordinator_port()
    results, lost = {}, {}
    threads = [start(c, results) for c in clusters(3, port)]
    for thread in threads:
        thread.join(30)
    for i in range(3):  # not the real one: it ends the process
        results[i].on_lost = lambda reason, i=i: lost.setdefault(i, reason)
    results[1].peers[0].shutdown(socket.SHUT_RDWR)  # process 1 dies without saying so
    deadline = time.monotonic() + 10
    while len(lost) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "process 1 of 3 stopped" in lost[0] and "process 1 of 3 stopped" in lost[2]


def test_a_finished_process_leaving_is_not_a_loss():
    results, lost = {}, {}
    threads = [start(c, results) for c in clusters(2, free_coordinator_port())]
    for thread in threads:
        thread.join(30)
    for i in range(2):
        results[i].on_lost = lambda reason, i=i: lost.setdefault(i, reason)
    results[1].finish()
    results[1].peers[0].shutdown(socket.SHUT_RDWR)
    time.sleep(0.5)
    assert lost == {}


def test_a_port_in_use_is_a_clear_error():
    with socket.socket() as busy:
        busy.bind(("", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ClusterError, match="cannot listen on port"):
            join(Cluster(2, 0, ("127.0.0.1", port), "flags"), 2)


def test_a_stray_connection_does_not_break_the_join():
    port = free_coordinator_port()
    results = {}
    zero = start(Cluster(2, 0, ("127.0.0.1", port), "flags"), results)
    time.sleep(0.3)
    with socket.create_connection(("127.0.0.1", port)) as stray:  # a port scanner, a browser
        stray.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert b"error" in stray.recv(1000)
    one = start(Cluster(2, 1, ("127.0.0.1", port), "flags"), results)
    for thread in (zero, one):
        thread.join(30)
    assert all(not isinstance(results[i], Exception) for i in range(2))
    for channel in results.values():
        channel.finish()
