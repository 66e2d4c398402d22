"""Which address throttling counts: the peer, or x-forwarded-for only behind a trusted proxy."""

import pytest

from crm_chassis.settings import SettingsError
from crm_identity.adapters.client_address import ClientAddressResolver, parse_networks, peer_host
from crm_identity.entrypoints.settings import load

XFF = (("x-forwarded-for", "198.51.100.7, 10.0.0.3"),)


@pytest.mark.parametrize(
    "peer, host",
    [
        ("ipv4:203.0.113.9:5123", "203.0.113.9"),
        ("ipv6:[2001:db8::1]:5123", "2001:db8::1"),
        ("unix:/tmp/s", ""),
        ("", ""),
    ],
)
def test_peer_host(peer, host):
    assert peer_host(peer) == host


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored():
    assert ClientAddressResolver().resolve("ipv4:203.0.113.9:1", XFF) == "203.0.113.9"
    resolver = ClientAddressResolver("10.0.0.0/8")
    assert resolver.resolve("ipv4:203.0.113.9:1", XFF) == "203.0.113.9"


def test_behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client():
    resolver = ClientAddressResolver("10.0.0.0/8")
    assert resolver.resolve("ipv4:10.0.0.2:1", XFF) == "198.51.100.7"
    # A client cannot pick its address by sending its own header: the proxy appends the peer.
    spoofed = (("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.0.0.3"),)
    assert resolver.resolve("ipv4:10.0.0.2:1", spoofed) == "198.51.100.7"
    assert resolver.resolve("ipv4:10.0.0.2:1", ()) == "10.0.0.2"


def test_a_bad_trusted_proxies_setting_stops_the_start():
    with pytest.raises(ValueError, match="'nonsense' is not an IP"):
        parse_networks("10.0.0.0/8, nonsense")
    with pytest.raises(SettingsError, match="CRM_IDENTITY_TRUSTED_PROXIES"):
        load(trusted_proxies="nonsense")
