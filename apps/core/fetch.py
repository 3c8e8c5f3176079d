"""Fetching a user's URL without letting it reach inside the network (SSRF guard), with a size cap.

A URL given by a user is fetched by a server that sits next to the database, Redis and, in a
cloud, the metadata service. So, for the URL and for every redirect it leads to:

1. only `http` and `https`, on any port, with no credentials in the URL;
2. the host name is resolved here, once, and every address it resolves to must be global
   (`ipaddress`'s `is_global`: no loopback, private, link-local — 169.254.169.254 —, shared,
   multicast, reserved or unspecified addresses; IPv4-mapped IPv6 addresses are judged by their
   IPv4 address);
3. the connection goes to the address that was checked, not to a second resolution of the name
   (a DNS answer that changes between check and connect — "DNS rebinding" — cannot slip through):
   the URL's host is swapped for the address, with the name kept in the `Host` header and as the
   TLS server name, so certificates are still checked against the name;
4. redirects are followed by hand (at most `MAX_REDIRECTS`), each one checked again;
5. the body is read in chunks and refused as soon as it passes the cap.

httpx does the HTTP; what it does not offer (checking where a connection goes) is the few lines
below. `INTELLI_FETCH_ALLOW_NETWORKS` lets chosen networks through (an office file server; tests).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from django.conf import settings

MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024


class FetchError(Exception):
    """The URL cannot be fetched; the message is for the user."""


@dataclass(frozen=True)
class Fetched:
    url: str  # the last URL, after redirects
    content: bytes
    content_type: str
    filename: str


def _allowed_extra() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n) for n in getattr(settings, "INTELLI_FETCH_ALLOW_NETWORKS", [])]


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in _allowed_extra()):
        return True
    return ip.is_global and not ip.is_multicast


def resolve_public(host: str, port: int) -> str:
    """One address of `host`, after checking that every address it resolves to is public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"The host {host!r} could not be found.") from error
    addresses = sorted({info[4][0] for info in infos})
    if not addresses:
        raise FetchError(f"The host {host!r} could not be found.")
    private = [address for address in addresses if not is_public_address(address)]
    if private:
        raise FetchError(_private_message(private[0]))
    return addresses[0]


def check_url_shape(url: str) -> None:
    """What can be told without the network: scheme, credentials, host, port, literal addresses."""
    if len(url) > 2000:
        raise FetchError("The URL is too long.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("Only http:// and https:// URLs can be imported.")
    if parts.username or parts.password:
        raise FetchError("URLs with a user name or password cannot be imported.")
    if not parts.hostname:
        raise FetchError("The URL has no host name.")
    try:
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError as error:
        raise FetchError("The URL's port is not valid.") from error
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        if parts.hostname.rstrip(".").lower() == "localhost" or parts.hostname.endswith(".localhost"):
            raise FetchError(_private_message("localhost")) from None
        return
    if not is_public_address(str(literal)):
        raise FetchError(_private_message(str(literal)))


def _private_message(address: str) -> str:
    return (
        f"The URL points to a private or reserved address ({address}); only public "
        "addresses on the internet can be imported from."
    )


def _checked(url: str) -> tuple[str, str, str]:
    """(URL to connect to, with the address in place of the name; the Host header; the name)."""
    check_url_shape(url)
    parts = urlsplit(url)
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve_public(host, port)
    netloc_address = f"[{address}]" if ":" in address else address
    pinned = urlunsplit(parts._replace(netloc=f"{netloc_address}:{port}"))
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    return pinned, host_header, host


def _filename(url: str, response: httpx.Response) -> str:
    disposition = response.headers.get("content-disposition", "")
    if "filename=" in disposition:
        name = disposition.split("filename=", 1)[1].split(";", 1)[0].strip().strip('"')
        if name:
            return name
    return urlsplit(url).path.rsplit("/", 1)[-1] or "download"


def _read_body(response: httpx.Response, *, max_bytes: int, timeout_s: float) -> bytes:
    too_large = f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit."
    if response.status_code >= 400:
        raise FetchError(f"The server answered HTTP {response.status_code}.")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(too_large)
    chunks, size = [], 0
    try:
        for chunk in response.iter_bytes(CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(too_large)
            chunks.append(chunk)
    except httpx.TimeoutException as error:
        raise FetchError(f"The server did not send the file within {timeout_s:g} s.") from error
    except httpx.HTTPError as error:
        raise FetchError(f"The download broke off: {error.__class__.__name__}.") from error
    return b"".join(chunks)


def fetch_public_url(url: str, *, max_bytes: int, timeout_s: float = 20.0) -> Fetched:
    """GET `url` (following redirects) within `max_bytes`; raise `FetchError` with a reason."""
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0))
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            pinned, host_header, host = _checked(url)
            request = client.build_request(
                "GET",
                pinned,
                headers={"Host": host_header, "User-Agent": "Intelli/1.0 (patent export import)"},
                extensions={"sni_hostname": host},
            )
            try:
                response = client.send(request, stream=True)
            except httpx.TimeoutException as error:
                raise FetchError(f"The server did not answer within {timeout_s:g} s.") from error
            except httpx.HTTPError as error:
                raise FetchError(f"The URL could not be fetched: {error.__class__.__name__}.") from error
            try:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    if not location:
                        raise FetchError("The server sent a redirect without a location.")
                    url = urljoin(url, location)
                    continue
                return Fetched(
                    url=url,
                    content=_read_body(response, max_bytes=max_bytes, timeout_s=timeout_s),
                    content_type=response.headers.get("content-type", ""),
                    filename=_filename(url, response),
                )
            finally:
                response.close()
    raise FetchError(f"More than {MAX_REDIRECTS} redirects.")
