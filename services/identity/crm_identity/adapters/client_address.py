"""The caller's network address for throttling: the gRPC peer, or — only when the peer is a
trusted proxy (setting ``trusted_proxies``) — the right-most address of ``x-forwarded-for``
that is not itself a trusted proxy. A header sent by anyone else is ignored: it would let a
guesser pick a fresh "address" for every attempt."""

from __future__ import annotations

import ipaddress

FORWARDED_FOR = "x-forwarded-for"


def parse_networks(spec: str) -> tuple:
    """``"10.0.0.0/8, 192.168.1.7"`` -> networks; ValueError naming a bad entry."""
    networks = []
    for entry in filter(None, (e.strip() for e in (spec or "").split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"CRM_IDENTITY_TRUSTED_PROXIES: {entry!r} is not an IP address or "
                "network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def peer_host(peer: str) -> str:
    """The host of a gRPC peer string: "ipv4:1.2.3.4:5678" -> "1.2.3.4",
    "ipv6:[::1]:5678" -> "::1"; "" for anything else (unix sockets, in-process)."""
    kind, _, rest = (peer or "").partition(":")
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0]
    if kind == "ipv6":
        host = rest.rsplit(":", 1)[0] if rest.startswith("[") else rest
        return host.strip("[]").split("%", 1)[0]
    return ""


class ClientAddressResolver:
    def __init__(self, trusted_proxies: str = ""):
        self._trusted = parse_networks(trusted_proxies)

    def _is_trusted(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self._trusted)

    def resolve(self, peer: str, metadata) -> str:
        host = peer_host(peer)
        if not (self._trusted and self._is_trusted(host)):
            return host
        forwarded = ",".join(
            value
            for key, value in (metadata or ())
            if key.lower() == FORWARDED_FOR and isinstance(value, str)
        )
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            if not self._is_trusted(hop):
                return hop
        return host

    def __call__(self, context) -> str:
        """The address of the current call's client."""
        return self.resolve(context.peer(), context.invocation_metadata())
