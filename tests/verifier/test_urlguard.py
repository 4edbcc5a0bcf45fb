import pytest

from verifier.platforms.base import DATA_DIR, load_platform_data
from verifier.urlguard import UrlGuard, UrlRefused, platform_of_host


def resolver(table):
    def resolve(host):
        if host not in table:
            raise OSError("no such host")
        return table[host]
    return resolve


def test_platform_host_with_public_address_is_allowed():
    guard = UrlGuard(resolver=resolver({"x.com": ["104.244.42.1"]}))
    assert guard.check("https://x.com/acme_bd") == "x.com"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:6379/", "IP address"),
        ("https://169.254.169.254/latest/meta-data", "IP address"),
        ("https://[::1]/", "IP address"),
        ("file:///etc/passwd", "only http"),
        ("https://user:pw@x.com/", "credentials"),
        ("https://evil.example/", "neither a platform host"),
        ("https://x.com.evil.example/", "neither a platform host"),
    ],
)
def test_refused(url, why):
    guard = UrlGuard(resolver=resolver({"x.com": ["104.244.42.1"]}))
    with pytest.raises(UrlRefused, match=why):
        guard.check(url)


def test_platform_name_resolving_to_private_address_is_refused():
    guard = UrlGuard(resolver=resolver({"x.com": ["10.0.0.5"]}))
    with pytest.raises(UrlRefused, match="non-public"):
        guard.check("https://x.com/a")


def test_declared_web_host_allowed_and_sandbox_skips_dns():
    guard = UrlGuard(web_hosts=["shop.example.com"], sandboxed=True, resolver=resolver({}))
    assert guard.check("https://shop.example.com/register") == "shop.example.com"
    with pytest.raises(UrlRefused):
        guard.check("https://other.example.com/")


@pytest.mark.parametrize("platform", sorted(p.stem for p in DATA_DIR.glob("*.yaml")
                                            if "hosts" in load_platform_data(p.stem)))
def test_every_host_an_adapter_accepts_may_be_opened(platform):
    """A target URL the adapter recognises (fb.watch, instagr.am, telegram.dog...) must not
    then be refused by the guard when the browser opens it."""
    data = load_platform_data(platform)
    for host in [*data["hosts"], *data.get("short_hosts", [])]:
        assert platform_of_host(host) == platform, host


@pytest.mark.parametrize("address", [
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.5",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1 (Python calls it global)
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254, the cloud metadata address
    "64:ff9b:1::808:808",  # local-use NAT64: whatever the network maps it to
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a00:5::1",  # 6to4 of 10.0.0.5
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo
    "::127.0.0.1",  # IPv4-compatible loopback
    "::a00:5",  # IPv4-compatible 10.0.0.5
])
def test_private_addresses_in_ipv6_disguise_are_refused(address):
    guard = UrlGuard(resolver=resolver({"x.com": [address]}))
    with pytest.raises(UrlRefused, match="non-public"):
        guard.check("https://x.com/a")


@pytest.mark.parametrize("address", ["2606:4700::6810:84e5", "64:ff9b::808:808",
                                     "2002:808:808::1", "::ffff:8.8.8.8"])
def test_public_ipv6_forms_still_pass(address):
    guard = UrlGuard(resolver=resolver({"x.com": [address]}))
    assert guard.check("https://x.com/a") == "x.com"


def test_only_the_schemes_own_ports_are_opened():
    guard = UrlGuard(resolver=resolver({"x.com": ["104.244.42.1"]}))
    assert guard.check("https://x.com:443/a") == "x.com"
    assert guard.check("http://x.com:80/a") == "x.com"
    for url, port in (("https://x.com:8443/a", 8443), ("http://x.com:6379/", 6379),
                      ("http://x.com:443/", 443)):
        with pytest.raises(UrlRefused, match=f"port {port} is not opened"):
            guard.check(url)
    sandbox = UrlGuard(sandboxed=True, resolver=resolver({}))
    assert sandbox.check("http://x.com:8080/a") == "x.com"  # the declared exception
