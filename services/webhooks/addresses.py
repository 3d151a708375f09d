"""Which IP addresses a webhook may be sent to: public ones, including every IPv4 an IPv6 one carries."""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 ranges whose last 32 bits are an IPv4 address that a translator or tunnel delivers to.
# Python's `is_global` calls most of them global, so 64:ff9b::7f00:1 (NAT64 of 127.0.0.1) would pass.
_LAST_32_BITS_IS_IPV4 = (
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765 / SIIT)
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated, RFC 4291)
)
# Local-use NAT64 (RFC 8215): a network-specific translator that may reach anything inside.
_NEVER_PUBLIC = (ipaddress.IPv6Network("64:ff9b:1::/48"),)


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses that packets to `address` may end up at (mapped, NAT64, 6to4, Teredo ...)."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)  # (server, client)
    if any(address in network for network in _LAST_32_BITS_IS_IPV4):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public_address(address: IPAddress) -> bool:
    """True if `address` and every IPv4 address it embeds are globally routable."""
    if isinstance(address, ipaddress.IPv6Address) and any(address in network for network in _NEVER_PUBLIC):
        return False
    return address.is_global and all(inner.is_global for inner in embedded_ipv4(address))
