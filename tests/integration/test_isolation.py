"""Sandboxes do not reach each other nor the host's services, on the real
Docker engine: the handbox networks (no traffic between their containers)
and the host firewall chain HANDBOX-INPUT. What a sandbox still reaches:
the outside (a network namespace on this host standing in for the
internet, reached through the engine's forwarding as the internet would
be), its own ports, and the host ports it was allowed. The host still
drives every sandbox through its published ports. Needs root (iptables,
ip netns), as CI runs."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from handbox_cli import Handbox  # noqa: E402
from host_http import serve_hello  # noqa: E402
from sandbox_container import IMAGES, require_engine, require_image  # noqa: E402

DEBIAN = IMAGES["debian"]
OUTSIDE_NS = "hb-test-outside"
OUTSIDE_HOST, OUTSIDE_PEER = "10.253.77.1", "10.253.77.2"
FETCH = ("python3 -c \"import urllib.request as u; "
         "print(u.urlopen('%s', timeout=4).status)\"")


@pytest.fixture(scope="module", autouse=True)
def engine():
    require_engine()
    require_image(DEBIAN)
    assert os.geteuid() == 0, "these tests need root (iptables, ip netns), as CI has"


@pytest.fixture
def hb(tmp_path):
    h = Handbox(tmp_path / "state")
    yield h
    h.rm_all()


@pytest.fixture
def host_services():
    """Two HTTP services of the host listening on all addresses."""
    servers = [serve_hello() for _ in range(2)]
    yield [s.server_address[1] for s in servers]
    for s in servers:
        s.shutdown()


def sh(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


@pytest.fixture
def outside():
    """A web server in a network namespace of its own, behind a veth pair:
    what a sandbox reaches through the engine's forwarding and NAT, as it
    would reach the internet (which this machine's sandboxes cannot)."""
    sh("ip", "netns", "del", OUTSIDE_NS)
    sh("ip", "link", "del", "hbto0")
    for cmd in (["ip", "netns", "add", OUTSIDE_NS],
                ["ip", "link", "add", "hbto0", "type", "veth", "peer", "name", "hbto1"],
                ["ip", "link", "set", "hbto1", "netns", OUTSIDE_NS],
                ["ip", "addr", "add", OUTSIDE_HOST + "/24", "dev", "hbto0"],
                ["ip", "link", "set", "hbto0", "up"],
                ["ip", "netns", "exec", OUTSIDE_NS, "ip", "addr", "add", OUTSIDE_PEER + "/24",
                 "dev", "hbto1"],
                ["ip", "netns", "exec", OUTSIDE_NS, "ip", "link", "set", "hbto1", "up"],
                ["ip", "netns", "exec", OUTSIDE_NS, "ip", "link", "set", "lo", "up"]):
        r = sh(*cmd)
        assert r.returncode == 0, "%s: %s" % (" ".join(cmd), r.stderr)
    web = subprocess.Popen(["ip", "netns", "exec", OUTSIDE_NS, "python3", "-m", "http.server",
                            "8080", "--bind", OUTSIDE_PEER], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    yield "http://%s:8080/" % OUTSIDE_PEER
    web.kill()
    web.wait()
    sh("ip", "link", "del", "hbto0")
    sh("ip", "netns", "del", OUTSIDE_NS)


def address(sb, network="handbox-sandboxes"):
    r = sh("docker", "inspect", "-f",
           "{{(index .NetworkSettings.Networks \"%s\").IPAddress}}" % network, sb.container)
    assert r.returncode == 0 and r.stdout.strip(), r.stderr
    return r.stdout.strip()


def reaches(sb, url):
    out = sb.run(FETCH % url, timeout=30)
    return out["stdout"] == "200\n"


def serve_8011(sb):
    sb.post("/api/bash/start_bash_command",
            {"command": "python3 -m http.server 8011 --bind 0.0.0.0"})
    for _ in range(100):
        if reaches(sb, "http://127.0.0.1:8011/"):
            return
    raise AssertionError("the app in %s did not start" % sb.id)


def test_sandboxes_do_not_reach_each_other(hb, outside):
    a = hb.create("--image", DEBIAN)
    b = hb.create("--image", DEBIAN)
    serve_8011(b)
    b_ip = address(b)
    # b's own app answers inside b and through b's published port
    assert reaches(b, "http://127.0.0.1:8011/")
    assert b.get("/api/handbox/ports/8011/")[0] == 200
    # a reaches neither b's sandboxd nor b's app, at b's address
    assert not reaches(a, "http://%s:8000/health" % b_ip)
    assert not reaches(a, "http://%s:8011/" % b_ip)
    # and still the outside, through the engine's forwarding
    assert reaches(a, outside)
    # no IPv6 at all, so no link-local way around the IPv4 isolation
    for sb in (a, b):
        out = sb.run("cat /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/net/if_inet6")
        assert out["stdout"] == "1\n", out


def test_host_services_refused_unless_allowed(hb, host_services):
    allowed, other = host_services
    plain = hb.create("--image", DEBIAN)
    assert not reaches(plain, "http://host.docker.internal:%d/" % allowed)
    out = plain.run(FETCH % ("http://host.docker.internal:%d/" % allowed), timeout=30)
    assert "refused" in out["stderr"] or "reset" in out["stderr"], out
    granted = hb.create("--image", DEBIAN, "--allow-host-port", allowed)
    assert reaches(granted, "http://host.docker.internal:%d/" % allowed)
    assert not reaches(granted, "http://host.docker.internal:%d/" % other)
    granted_ip = address(granted)
    assert ("-s %s/32 -p tcp -m tcp --dport %d -m comment --comment \"handbox:%s\" -j RETURN"
            % (granted_ip, allowed, granted.id)) in rules()
    # a stop gives its address back, and the grant with it; a start makes
    # it again at whatever address the sandbox gets
    hb.run("sandbox", "stop", granted.id, check=True)
    assert granted.id not in rules()
    hb.run("sandbox", "start", granted.id, check=True)
    granted.url = hb.inspect(granted.id)["url"]      # its ports may have changed
    assert reaches(granted, "http://host.docker.internal:%d/" % allowed)
    # a stop, then a removal (as gc does) leave nothing behind
    hb.run("sandbox", "stop", granted.id, check=True)
    hb.run("sandbox", "rm", granted.id, check=True)
    hb.created.remove(granted.id)
    assert granted.id not in rules() and "--dport %d " % allowed not in rules()


def rules():
    return sh("iptables", "-w", "-S", "HANDBOX-INPUT").stdout


def test_a_flushed_chain_is_made_again_and_grants_need_handboxs_network(hb, host_services):
    assert sh("iptables", "-w", "-F", "HANDBOX-INPUT").returncode == 0
    sb = hb.create("--image", DEBIAN)
    assert "-j REJECT --reject-with tcp-reset" in rules()
    assert not reaches(sb, "http://host.docker.internal:%d/" % host_services[0])
    r = hb.run("sandbox", "create", "--image", DEBIAN, "--network", "isolated",
               "--allow-host-port", host_services[0])
    assert r.returncode == 1 and "--allow-host-port" in r.err and "isolated" in r.err, r.err


def test_isolated_sandboxes_reach_nothing_but_are_driven(hb, host_services, outside):
    i1 = hb.create("--image", DEBIAN, "--network", "isolated")
    i2 = hb.create("--image", DEBIAN, "--network", "isolated")
    serve_8011(i2)
    i2_ip = address(i2, "handbox-isolated")
    assert not reaches(i1, "http://%s:8000/health" % i2_ip)
    assert not reaches(i1, "http://%s:8011/" % i2_ip)
    assert not reaches(i1, outside)
    gateway = sh("docker", "network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}",
                 "handbox-isolated").stdout.strip()
    assert not reaches(i1, "http://%s:%d/" % (gateway, host_services[0]))
    # the host drives it on its internal address
    assert i1.run("echo in")["stdout"] == "in\n"


def test_networks_are_made_with_isolation_and_remade_when_not(hb):
    sb = hb.create("--image", DEBIAN)
    hb.rm_all()
    opts = sh("docker", "network", "inspect", "-f",
              "{{index .Options \"com.docker.network.bridge.enable_icc\"}}",
              "handbox-sandboxes").stdout.strip()
    assert opts == "false"
    # one made by hand under the name, unused, is made again as it must be
    assert sh("docker", "network", "rm", "handbox-sandboxes").returncode == 0
    assert sh("docker", "network", "create", "handbox-sandboxes").returncode == 0
    sb = hb.create("--image", DEBIAN)
    assert sb.run("echo ok")["stdout"] == "ok\n"
    assert sh("docker", "network", "inspect", "-f",
              "{{index .Options \"com.docker.network.bridge.enable_icc\"}}",
              "handbox-sandboxes").stdout.strip() == "false"
