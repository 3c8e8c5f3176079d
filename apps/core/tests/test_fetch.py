"""The SSRF guard: user URLs never reach private or special addresses, directly, by DNS or by redirect."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.core.fetch import FetchError, fetch_public_url, is_public_address

MB = 1024 * 1024
PUBLIC_IP = "93.184.215.14"


class Handler(BaseHTTPRequestHandler):
    routes: dict = {}
    seen_hosts: list = []

    def do_GET(self):
        self.seen_hosts.append(self.headers.get("Host"))
        status, headers, body, delay = self.routes.get(self.path, (404, {}, b"", 0))
        time.sleep(delay)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if not {"X-No-Length", "Content-Length"} & set(headers):  # X-No-Length: ends at close
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the size cap stops reading
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(settings):
    """A local server, reachable only because this test allows 127.0.0.1 explicitly."""
    settings.INTELLI_FETCH_ALLOW_NETWORKS = ["127.0.0.1/32"]
    Handler.routes, Handler.seen_hosts = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def base(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.1.2.3:8000/export.csv",
        "http://localhost/",
        "http://10.0.0.8/",
        "http://172.16.0.1/",
        "http://172.31.255.254/",
        "http://192.168.1.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[fc00::1]/",
        "http://[fd12:3456::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://2130706433/",  # 127.0.0.1 as one number
        "http://0x7f000001/",
    ],
)
def test_private_and_special_addresses_are_refused(url):
    with pytest.raises(FetchError) as refused:
        fetch_public_url(url, max_bytes=MB)
    message = str(refused.value)
    assert "private or reserved address" in message or "could not be found" in message


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "Only http:// and https://"),
        ("ftp://example.org/export.csv", "Only http:// and https://"),
        ("gopher://example.org/", "Only http:// and https://"),
        ("http://user:secret@example.org/", "user name or password"),
        ("http:///nohost", "no host name"),
        ("http://example.org:99999/", "port is not valid"),
        ("http://" + "a" * 3000 + ".org/", "too long"),
    ],
)
def test_other_refusals_say_why(url, reason):
    with pytest.raises(FetchError, match=reason):
        fetch_public_url(url, max_bytes=MB)


def fake_dns(monkeypatch, answers: dict[str, list[str]]):
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    "answers", [["10.0.0.5"], [PUBLIC_IP, "10.0.0.5"], ["169.254.169.254"], ["::1"], ["fc00::7"]]
)
def test_dns_answers_that_point_inside_are_refused(monkeypatch, answers):
    fake_dns(monkeypatch, {"exports.example.org": answers})
    with pytest.raises(FetchError, match="private or reserved address"):
        fetch_public_url("http://exports.example.org/lens.csv", max_bytes=MB)


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]:6379/",
        "http://192.168.0.1/admin",
    ],
)
def test_redirects_that_lead_inside_are_refused(server, target):
    Handler.routes["/export.csv"] = (302, {"Location": target}, b"", 0)
    with pytest.raises(FetchError, match="private or reserved address"):
        fetch_public_url(f"{base(server)}/export.csv", max_bytes=MB)


def test_a_redirect_to_a_name_that_resolves_inside_is_refused(server, monkeypatch):
    fake_dns(monkeypatch, {"internal.example.org": ["10.1.1.1"]})
    Handler.routes["/export.csv"] = (301, {"Location": "http://internal.example.org/x"}, b"", 0)
    with pytest.raises(FetchError, match="private or reserved address"):
        fetch_public_url(f"{base(server)}/export.csv", max_bytes=MB)


def test_a_public_file_is_fetched_through_redirects_with_its_name(server):
    Handler.routes["/share/abc"] = (302, {"Location": "/files/lens.csv"}, b"", 0)
    Handler.routes["/files/lens.csv"] = (
        200,
        {"Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="lens-export.csv"'},
        b"Lens ID,Title\n1,A\n",
        0,
    )
    fetched = fetch_public_url(f"{base(server)}/share/abc", max_bytes=MB)
    assert fetched.content == b"Lens ID,Title\n1,A\n"
    assert fetched.filename == "lens-export.csv" and fetched.url.endswith("/files/lens.csv")


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(server, monkeypatch):
    """No second DNS lookup at connect time (DNS rebinding): the name only travels in Host."""
    port = server.server_address[1]
    fake_dns(monkeypatch, {"exports.example.org": ["127.0.0.1"]})
    Handler.routes["/x.csv"] = (200, {}, b"ok", 0)
    fetch_public_url(f"http://exports.example.org:{port}/x.csv", max_bytes=MB)
    assert Handler.seen_hosts == [f"exports.example.org:{port}"]


def test_a_declared_size_over_the_cap_is_refused_before_reading(server):
    Handler.routes["/big.csv"] = (200, {"Content-Length": str(5 * MB)}, b"", 0)
    with pytest.raises(FetchError, match="larger than the 1 MB limit"):
        fetch_public_url(f"{base(server)}/big.csv", max_bytes=MB)


def test_an_undeclared_size_over_the_cap_is_cut_off_while_reading(server):
    Handler.routes["/big.csv"] = (200, {"X-No-Length": "1"}, b"x" * (2 * MB), 0)
    with pytest.raises(FetchError, match="larger than the 1 MB limit"):
        fetch_public_url(f"{base(server)}/big.csv", max_bytes=MB)


def test_too_many_redirects(server):
    Handler.routes["/loop"] = (302, {"Location": "/loop"}, b"", 0)
    with pytest.raises(FetchError, match="More than 5 redirects"):
        fetch_public_url(f"{base(server)}/loop", max_bytes=MB)


def test_errors_and_slow_servers_get_a_reason(server):
    Handler.routes["/gone"] = (404, {}, b"", 0)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_public_url(f"{base(server)}/gone", max_bytes=MB)
    Handler.routes["/slow"] = (200, {}, b"late", 2)
    with pytest.raises(FetchError, match=r"did not answer within 0\.5 s"):
        fetch_public_url(f"{base(server)}/slow", max_bytes=MB, timeout_s=0.5)


def test_ipv4_mapped_addresses_are_judged_by_their_ipv4_address():
    assert not is_public_address("::ffff:10.0.0.1")
    assert is_public_address(PUBLIC_IP)
    assert not is_public_address("224.0.0.1")  # multicast
