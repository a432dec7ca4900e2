"""azurefacts/addresses.py: how much of the internet a set of ranges admits, judged by their union."""

from __future__ import annotations

import pytest

from azurefacts.addresses import MAX_PUBLIC_IPV4, too_open


@pytest.mark.parametrize("sources", [
    ["11.0.0.0/8"],  # exactly one /8: the most allowed
    ["11.0.0.0/8", "11.0.0.0/9", "11.128.0.0/9"],  # overlapping ranges count once
    ["11.0.0.0/9"] * 3,  # the same range listed three times
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "11.0.0.0/8"],  # private space is free
    ["2001:db8::/32", "fd00::/8"],  # one public /32 of IPv6 and unique local space
    ["VirtualNetwork", "AzureMachineLearning", "203.0.113.0/24"],  # other service tags are not the internet
])  # fmt: skip
def test_ranges_within_the_limit_pass(sources: list[str]) -> None:
    assert too_open(sources) is None


@pytest.mark.parametrize(("sources", "fragment"), [
    (["11.0.0.0/8", "12.0.0.0/32"], "together they admit 16,777,217 public IPv4 addresses"),
    (["0.0.0.0/1", "128.0.0.0/1"], "(99.1% of all IPv4 addresses)"),
    (["2001:db8::/32", "2001:db9::/48"], "more public IPv6 addresses than one /32"),
    (["203.0.113.0/24", "INTERNET"], "'INTERNET' admits anyone on the internet"),  # tags are case-insensitive
    ([" * "], "'*' admits anyone"),
    (["Any"], "'Any' admits anyone"),
])  # fmt: skip
def test_ranges_over_the_limit_say_why(sources: list[str], fragment: str) -> None:
    assert fragment in (too_open(sources) or "")


def test_the_limit_is_one_slash_8() -> None:
    assert MAX_PUBLIC_IPV4 == 2**24
