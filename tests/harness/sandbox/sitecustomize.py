"""Loaded into every snippet process, and the processes it starts, via PYTHONPATH.

Snippets must never touch the network: any connection or name lookup beyond loopback
raises at once, naming what was attempted. (It guards Python's socket module; native code
that opens its own sockets is not covered.)
"""

import ipaddress
import socket

LOCAL_NAMES = {"localhost", "localhost.localdomain", "", None}


class NetworkBlockedError(ConnectionRefusedError):
    pass


def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(target):
    raise NetworkBlockedError(
        f"network access is blocked in snippets: tried to reach {target!r} (only loopback is allowed)"
    )


def _guard_connect(original):
    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            _refuse(address)
        return original(self, address)

    return connect


_real_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_loopback(host):
        _refuse(host)
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guard_connect(socket.socket.connect)
socket.socket.connect_ex = _guard_connect(socket.socket.connect_ex)
socket.getaddrinfo = _guarded_getaddrinfo
