"""Where the reference EMR may listen: loopback addresses only."""

from __future__ import annotations

import ipaddress


class ServerConfigError(Exception):
    """The server cannot start as asked (a usage error); ``vi``/``en`` explain why."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(f"{vi} / {en}")
        self.vi = vi
        self.en = en


def loopback_address(host: str) -> str:
    """The address to bind: ``host`` when it is a loopback address (127.0.0.0/8, ::1), ``localhost`` as
    127.0.0.1; anything else is refused."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ServerConfigError(
            f"Máy chủ tham chiếu chỉ chạy trên địa chỉ loopback (127.0.0.0/8, ::1), không phải '{host}'.",
            f"The reference EMR only listens on a loopback address (127.0.0.0/8, ::1), not '{host}'.")
    return str(address)


def base_url(host: str, port: int) -> str:
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
