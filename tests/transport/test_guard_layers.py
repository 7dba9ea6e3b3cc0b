"""The guard's socket layer, tested with a stand-in below it: it shows what would have been reached."""

from __future__ import annotations

import http.client
import socket
import urllib.request

import pytest
import urllib3

from fakeqpu.transports.guard import RealIbmHostBlocked, SocketGuard
from fakeqpu.transports.inprocess import ibm_host, ibm_url


class Reached(Exception):
    """The stand-in was reached: a real resolver or connect would have run."""


@pytest.fixture
def below(monkeypatch):
    """A resolver and a connect that record the name and stop; a fresh SocketGuard on top of them."""
    seen: list[str] = []

    def resolve(host, *args, **kwargs):
        seen.append(str(host))
        raise Reached(host)

    def connect(sock, address):
        seen.append(str(address[0]))
        raise Reached(address)

    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, resolve)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect)
    guard = SocketGuard()
    guard.install()
    yield seen
    guard.uninstall()


IBM_NAMES = ["quantum.cloud.ibm.com", "Quantum.Cloud.IBM.com.", "iam.bluemix.net", "auth.quantum.ibm.com"]


@pytest.mark.parametrize("host", IBM_NAMES)
def test_ibm_names_never_reach_the_resolver_or_a_socket(below, host):
    for attempt in (
        lambda: socket.getaddrinfo(host, 443),
        lambda: socket.gethostbyname(host),
        lambda: socket.create_connection((host, 443), timeout=1),
        lambda: socket.socket().connect((host, 443)),
        lambda: urllib3.PoolManager(retries=False).request("GET", f"https://{host}/"),
        lambda: urllib.request.urlopen(f"http://{host}/", timeout=1),
        lambda: http.client.HTTPConnection(host, timeout=1).request("GET", "/"),
    ):
        with pytest.raises(Exception, match="fakeqpu blocked a connection to IBM host") as info:
            attempt()
        assert not isinstance(info.value, Reached)
    assert below == []


def test_a_proxy_tunnel_to_ibm_is_refused(below):
    connection = http.client.HTTPConnection("proxy.example", 3128)
    with pytest.raises(RealIbmHostBlocked):
        connection.set_tunnel("quantum.cloud.ibm.com", 443)


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "example.com", "ibm.com.example.org", "notibm.com"]
)
def test_other_names_go_on_below(below, host):
    with pytest.raises(Reached):
        socket.getaddrinfo(host, 80)
    with pytest.raises(Reached):
        socket.socket().connect((host, 80))
    assert below == [host, host]


def test_the_session_guard_refuses_for_real_and_loopback_stays_reachable(httpserver):
    with pytest.raises(RealIbmHostBlocked):
        socket.getaddrinfo("quantum.cloud.ibm.com", 443)
    httpserver.expect_request("/up").respond_with_data("up")
    assert urllib.request.urlopen(httpserver.url_for("/up"), timeout=5).read() == b"up"


@pytest.mark.parametrize(
    ("url", "ibm"),
    [
        ("https://quantum.cloud.ibm.com/api", True),
        ("https://QUANTUM.cloud.ibm.com./api", True),
        ("https://user:pw@iam.cloud.ibm.com/identity/token", True),
        ("https://quantum.cloud.ibm.com:8443/x", True),
        ("http://iam.bluemix.net/identity/token", True),
        ("https://ibm.com.evil.example/", False),
        ("https://example.com/?u=https://quantum.cloud.ibm.com", False),
        ("https://evil.example@quantum.cloud.ibm.com/", True),
        ("ftp://quantum.cloud.ibm.com/", False),
    ],
)
def test_ibm_url_spellings(url, ibm):
    assert ibm_url(url) is ibm


def test_ibm_host_edge_cases():
    assert ibm_host("IBM.COM..") and not ibm_host("") and not ibm_host(None) and not ibm_host("xibm.com")
