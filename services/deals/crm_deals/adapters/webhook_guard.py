"""Which addresses a webhook may be sent to: public unicast only (the SSRF guard's policy).

A rule's author chooses the URL, so without this guard a webhook could reach the platform's own
services, the cloud metadata endpoint or the office network. Every special-purpose range of the
IANA registries is refused, and so is anything Python does not consider globally routable:
IPv6 forms that carry an IPv4 address are judged by that IPv4 address (IPv4-mapped
``::ffff:a.b.c.d`` and IPv4-compatible ``::a.b.c.d``), and translation or tunnelling prefixes
(NAT64, 6to4, Teredo) are refused outright: where they lead depends on gateways outside our
view. :func:`refusal` is checked on the very address the sender then connects to
(webhook_sender.py), so a DNS answer that changes between check and connect cannot bypass it.
"""

from __future__ import annotations

import ipaddress

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

REFUSED_IPV4: tuple[tuple[ipaddress.IPv4Network, str], ...] = tuple(
    (ipaddress.IPv4Network(net), why)
    for net, why in (
        ("0.0.0.0/8", "'this network' / unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("255.255.255.255/32", "broadcast"),
    )
)

REFUSED_IPV6: tuple[tuple[ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.IPv6Network(net), why)
    for net, why in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b::/96", "NAT64"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001::/32", "Teredo"),
        ("2001:2::/48", "benchmarking"),
        ("2001:10::/28", "ORCHID"),
        ("2001:20::/28", "ORCHIDv2"),
        ("2001:db8::/32", "documentation"),
        ("2002::/16", "6to4"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing"),
        ("fc00::/7", "unique local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)

_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def parse(text: str) -> Address:
    """An address as getaddrinfo returns it (an IPv6 zone ``%eth0`` is dropped: the address
    alone decides)."""
    return ipaddress.ip_address(text.split("%", 1)[0])


def refusal(address: Address) -> str:
    """Why a webhook may not be sent to ``address`` ("" when it is public unicast)."""
    if isinstance(address, ipaddress.IPv6Address):
        for network, why in REFUSED_IPV6:
            if address in network:
                return f"{why} ({network})"
        for network, form in ((_IPV4_MAPPED, "IPv4-mapped"), (_IPV4_COMPATIBLE, "IPv4-compatible")):
            if address in network:
                inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
                why = refusal(inner)
                return f"{form} IPv6 address of {inner}: {why}" if why else ""
    else:
        for network, why in REFUSED_IPV4:
            if address in network:
                return f"{why} ({network})"
    if not address.is_global:
        return "not globally routable"
    return ""
