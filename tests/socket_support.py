"""Which addresses a local server really listens on (Linux /proc/net/tcp*), and this machine's
own non-loopback address, to show a server is not reachable from the network."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

LISTEN = "0A"  # the TCP state code of a listening socket in /proc/net/tcp


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    # IPv6: four 32-bit words, each in host (little-endian) order.
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    return str(ipaddress.IPv6Address(words))


def listening_addresses(port: int, proc: Path = Path("/proc/net")) -> set[str]:
    """Every local address with a socket listening on `port` (IPv4 and IPv6)."""
    found: set[str] = set()
    for name in ("tcp", "tcp6"):
        table = proc / name
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, _, hex_port = local.partition(":")
            if state == LISTEN and int(hex_port, 16) == port:
                found.add(_address(address))
    return found


def non_loopback_ipv4() -> str | None:
    """An IPv4 address of this machine that is not loopback, or None when it has none."""
    candidates: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.254", 9))  # UDP: picks the outgoing address, sends nothing
            candidates.append(probe.getsockname()[0])
        except OSError:
            pass
    try:
        candidates += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    for candidate in candidates:
        address = ipaddress.ip_address(candidate)
        if not address.is_loopback and not address.is_unspecified:
            return candidate
    return None


def unreachable(host: str, port: int) -> bool:
    """Whether a TCP connection to host:port fails (refused, or nothing answers)."""
    try:
        with socket.create_connection((host, port), timeout=3):
            return False
    except OSError:
        return True
