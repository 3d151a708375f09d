"""The webhook SSRF guard refuses IPv6 addresses that lead to a private or loopback IPv4 address."""

from __future__ import annotations

import ipaddress

import pytest

from services.errors import InvalidInput
from services.webhooks.addresses import is_public_address
from services.webhooks.commands import check_url, public_host


@pytest.mark.parametrize(
    ("address", "what"),
    [
        ("64:ff9b::7f00:1", "NAT64 of 127.0.0.1"),
        ("64:ff9b::a00:1", "NAT64 of 10.0.0.1"),
        ("64:ff9b::c0a8:101", "NAT64 of 192.168.1.1"),
        ("64:ff9b:1::a00:1", "local-use NAT64 (RFC 8215)"),
        ("2002:7f00:1::", "6to4 of 127.0.0.1"),
        ("2002:a9fe:a9fe::1", "6to4 of 169.254.169.254 (cloud metadata)"),
        ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
        ("::ffff:10.1.2.3", "IPv4-mapped private"),
        ("::127.0.0.1", "IPv4-compatible loopback"),
        ("::a00:1", "IPv4-compatible 10.0.0.1"),
        ("::ffff:0:7f00:1", "IPv4-translated loopback"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo with client 127.0.0.1"),
        ("2001:0:a00:1:8000:63bf:3fff:fdd2", "Teredo with server 10.0.0.1"),
        ("::1", "IPv6 loopback"),
        ("fd00::1", "unique local"),
        ("fe80::1", "link-local"),
        ("127.0.0.1", "IPv4 loopback"),
        ("100.64.0.1", "carrier-grade NAT"),
    ],
)
def test_addresses_leading_inside_are_not_public(address: str, what: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address)), what


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"],
)
def test_public_addresses_and_translations_of_public_ipv4_pass(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("host", ["[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[::ffff:7f00:1]", "[::7f00:1]"])
def test_webhook_urls_with_translated_loopback_literals_are_refused(host: str) -> None:
    assert not public_host(host.strip("[]"))
    with pytest.raises(InvalidInput):
        check_url(f"http://{host}:8080/hook", allow_private=False)
    assert check_url(f"http://{host}:8080/hook", allow_private=True)
