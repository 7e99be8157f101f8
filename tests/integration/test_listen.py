"""Where sandboxd listens: 127.0.0.1 by default, only there; asked for
every address (--host 0.0.0.0, as the runtime does), IPv4 and IPv6 alike
(one dual-stack socket on ::)."""
import socket
import urllib.request

import pytest


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def health(host, port):
    try:
        with urllib.request.urlopen("http://%s:%d/health" % (host, port), timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture
def ipv6():
    # a test that could not look would prove nothing: fail, do not skip
    assert has_ipv6_loopback(), "this host has no IPv6 loopback (::1): enable IPv6 on lo"


def test_all_addresses_means_ipv4_and_ipv6(start_sandboxd, ipv6):
    sb = start_sandboxd(args=["--host", "0.0.0.0"])
    assert health("127.0.0.1", sb.port)
    assert health("[::1]", sb.port)
    assert "listening on 0.0.0.0:%d and [::]" % sb.port in sb.log()


def test_default_is_ipv4_loopback_only(start_sandboxd, ipv6):
    sb = start_sandboxd()
    assert health("127.0.0.1", sb.port)
    assert not health("[::1]", sb.port)
