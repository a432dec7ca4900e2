"""How much of the internet a set of address ranges admits, taken together.

An allow-list is judged by the union of its ranges, not range by range: ``0.0.0.0/1`` plus
``128.0.0.0/1`` is the whole internet though neither is ``0.0.0.0/0``. The ranges are merged
(``ipaddress.collapse_addresses``), the addresses no one on the internet can come from are left
out (private, shared, loopback and link-local space: RFC 1918, RFC 6598, RFC 3927, RFC 4193 and
the IANA special-purpose registries), and what remains is compared with a threshold:

- IPv4: more than ``MAX_PUBLIC_IPV4`` addresses (one /8, 16,777,216) is too much of the internet
  for a list of office and VPN egress ranges (a large company's whole allocation is a /16 or a few;
  a /8 is what a few of the largest networks in the world hold);
- IPv6: more than one /32 (``MAX_PUBLIC_IPV6``), the size of a whole ISP's allocation (an
  organisation gets a /48).

Service tags and wildcards that mean "anyone" (``*``, ``Internet``, ``Any``) are open whatever the
rest says. The threshold is the project's choice, stated in docs/SECURITY.md, not an Azure limit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

OPEN_TAGS = frozenset({"*", "internet", "any"})
MAX_PUBLIC_IPV4 = 2**24  # one /8
MAX_PUBLIC_IPV6 = 2**96  # one /32
NOT_INTERNET = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "fc00::/7", "fe80::/10", "::1/128",
    )
)  # fmt: skip

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def public_addresses(networks: Iterable[Network]) -> dict[int, int]:
    """Per IP version (4, 6), how many addresses the union of ``networks`` admits from the internet."""
    found = {4: 0, 6: 0}
    for version in (4, 6):
        same: list[Any] = [n for n in networks if n.version == version]
        for network in ipaddress.collapse_addresses(same):
            private = sum(
                min(network.num_addresses, block.num_addresses)
                for block in NOT_INTERNET
                if block.version == version and network.overlaps(block)
            )
            found[version] += network.num_addresses - private
    return found


def too_open(sources: Iterable[str]) -> str | None:
    """Why these sources together admit too much of the internet (a sentence), or None.

    Sources that are neither a wildcard/``Internet`` nor an IP range (other service tags such as
    ``VirtualNetwork``, ``AzureMachineLearning``) are not the internet and are left out."""
    networks: list[Network] = []
    for source in sources:
        text = source.strip()
        if text.lower() in OPEN_TAGS:
            return f"'{text}' admits anyone on the internet"
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            continue
    counts = public_addresses(networks)
    if counts[4] > MAX_PUBLIC_IPV4:
        share = counts[4] / 2**32
        return (f"together they admit {counts[4]:,} public IPv4 addresses ({share:.1%} of all IPv4 addresses), more "
                f"than one /8 ({MAX_PUBLIC_IPV4:,}), the most an allow-list may admit")  # fmt: skip
    if counts[6] > MAX_PUBLIC_IPV6:
        return "together they admit more public IPv6 addresses than one /32, the most an allow-list may admit"
    return None
