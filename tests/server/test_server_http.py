"""The server's front door over real sockets: one port for every service, framing, hostile input, TLS."""

from __future__ import annotations

import json
import socket

import pytest
import requests

import fakeqpu
from fakeqpu.transports.server import ibm_url

from .conftest import error_code, runtime_headers


def test_each_ibm_service_answers_under_its_path_prefix(fakeqpu_server):
    url = fakeqpu_server.url
    headers = runtime_headers(fakeqpu_server)  # POST /iam/identity/token
    search = requests.post(f"{url}/global-search/v3/resources/search?limit=100", json={}, headers=headers)
    assert [item["crn"] for item in search.json()["items"]] == [fakeqpu_server.crn]
    plan_id = search.json()["items"][0]["service_plan_unique_id"]
    catalog = requests.get(f"{url}/global-catalog/api/v1/{plan_id}", headers=headers)
    assert catalog.json()["metadata"]["pricing"]["type"] == "subscription"
    for base in ("/api/v1", "/experimental/api/v1"):  # IBM's REST paths, and the Python client's base
        devices = requests.get(f"{url}{base}/backends", headers=headers).json()["devices"]
        assert [d["name"] for d in devices] == list(fakeqpu_server.options.backends)


def test_paths_map_to_ibm_urls_with_their_query():
    assert ibm_url("/iam/identity/token") == "https://iam.cloud.ibm.com/identity/token"
    assert ibm_url("/experimental/api/v1/jobs?limit=5") == "https://quantum.cloud.ibm.com/api/v1/jobs?limit=5"
    assert ibm_url("/api/v1") == "https://quantum.cloud.ibm.com/api/v1"
    assert ibm_url("/iamx/identity/token") is None  # a prefix is a whole path segment
    assert ibm_url("/") is None


def test_unknown_paths_and_missing_tokens_answer_the_envelope(fakeqpu_server):
    url = fakeqpu_server.url
    nowhere = requests.get(f"{url}/nowhere")
    assert nowhere.status_code == 404 and error_code(nowhere) == 1208
    unknown = requests.get(f"{url}/api/v1/nowhere", headers=runtime_headers(fakeqpu_server))
    assert unknown.status_code == 404 and error_code(unknown) == 1208
    anonymous = requests.get(f"{url}/api/v1/backends")
    assert anonymous.status_code == 401 and error_code(anonymous) == 1201


def test_each_runtime_request_moves_the_clock_by_auto_tick(fakeqpu_server):
    url, headers = fakeqpu_server.url, runtime_headers(fakeqpu_server)
    before = fakeqpu_server.clock.now()
    for _ in range(3):
        requests.get(f"{url}/api/v1/versions", headers=headers)
    requests.post(f"{url}/iam/identity/token", data={"grant_type": "x"})  # IAM: not the runtime API
    assert (fakeqpu_server.clock.now() - before).total_seconds() == 3 * fakeqpu_server.options.auto_tick


def _exchange(server: fakeqpu.FakeServer, raw: bytes, *, half_close: bool = False) -> tuple[int, dict]:
    """Send raw bytes, read one response: its status and its JSON body."""
    host, port = server.url.rsplit("/", 1)[-1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed before a response: {received!r}"
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next(
            int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
        )
        while len(body) < length:
            chunk = sock.recv(65536)
            assert chunk
            body += chunk
    return int(lines[0].split()[1]), json.loads(body) if body else {}


HOSTILE = {
    "not http": (b"GARBAGE\r\n\r\n", 400),
    "length not a number": (b"POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
    "two lengths": (b"POST /api/v1/jobs HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
    "body too large": (b"POST /api/v1/jobs HTTP/1.1\r\nContent-Length: 1000000000000\r\n\r\n", 413),
    "unknown transfer coding": (b"POST /api/v1/jobs HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    "bad chunk size": (b"POST /api/v1/jobs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    "unknown method": (b"BREW /api/v1/jobs HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    "header line too long": (b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", 431),
    "path too long": (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
}


@pytest.mark.parametrize(("raw", "status"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_framing_answers_the_envelope_and_the_next_request_works(fakeqpu_server, raw, status):
    answered, body = _exchange(fakeqpu_server, raw)
    assert answered == status
    assert set(body) == {"errors", "trace"} and body["errors"][0]["code"] == 1208
    assert requests.get(f"{fakeqpu_server.url}/api/v1/versions").status_code == 401  # still serving


def test_a_body_shorter_than_its_length_is_refused(fakeqpu_server):
    raw = b"POST /api/v1/jobs HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"
    assert _exchange(fakeqpu_server, raw, half_close=True)[0] == 400


def test_bad_bodies_get_the_same_answers_as_in_process(fakeqpu_server):
    url, headers = fakeqpu_server.url, runtime_headers(fakeqpu_server)
    for body in (b"{", b'{"program_id": NaN}', b"\xff\xfe", b"[]", b'{"program_id": "sampler"}'):
        answer = requests.post(f"{url}/api/v1/jobs", data=body, headers=headers)
        assert answer.status_code in (400, 404) and error_code(answer) == 1208, body
    assert requests.get(f"{url}/api/v1/jobs", headers=headers).json()["count"] == 0  # nothing half-made


def test_a_chunked_body_is_read_whole(fakeqpu_server):
    form = b"grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=k"
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (form[:10], form[10:])) + b"0\r\n\r\n"
    raw = b"POST /iam/identity/token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks
    status, body = _exchange(fakeqpu_server, raw)
    assert status == 200 and body["token_type"] == "Bearer"


def test_keep_alive_answers_several_requests_on_one_connection(fakeqpu_server):
    host, port = fakeqpu_server.url.rsplit("/", 1)[-1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        for _ in range(3):
            sock.sendall(b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(1)
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            body = b""
            while len(body) < length:
                body += sock.recv(length - len(body))
            assert head.startswith(b"HTTP/1.1 404") and json.loads(body)["errors"][0]["code"] == 1208


def test_binds_loopback_by_default_and_stop_closes_its_connections():
    with fakeqpu.serve() as server:
        assert server.url.startswith("http://127.0.0.1:")
        host, port = server.url.rsplit("/", 1)[-1].rsplit(":", 1)
        idle = socket.create_connection((host, int(port)), timeout=10)
        idle.sendall(b"GET /nowhere HTTP/1.1\r\n\r\n")
        assert idle.recv(12) == b"HTTP/1.1 404"
    idle.settimeout(10)
    while idle.recv(65536):  # the rest of the answer, then the end: stop() closed the connection
        pass
    idle.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=10)
    assert not server.running


def test_tls_with_a_throwaway_authority(tmp_path):
    with fakeqpu.serve(tls=True) as server:
        assert server.url.startswith("https://127.0.0.1:")
        assert server.env["REQUESTS_CA_BUNDLE"] == str(server.ca_file)
        answer = requests.get(f"{server.url}/nowhere", verify=server.ca_file)
        assert answer.status_code == 404 and error_code(answer) == 1208
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{server.url}/nowhere")  # the system's authorities do not know it
        ca_file = server.ca_file
    assert not ca_file.exists()  # removed at stop


def test_the_real_client_over_tls(monkeypatch):
    from qiskit_ibm_runtime import QiskitRuntimeService, Session

    with fakeqpu.serve(tls=True, seed=3) as server:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)  # REQUESTS_CA_BUNDLE among them
        backend = QiskitRuntimeService().least_busy(operational=True, simulator=False)
        session = Session(backend=backend)
        assert [(t.subject, t.state) for t in server.timeline()] == [(session.session_id, "open")]
