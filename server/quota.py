"""A client's share of something made over time (new permalinks, server/permalinks.py): at
most `limit` in any `window` seconds, service-wide. Without it one client could spend the
whole of a bounded store and leave nothing to anyone else.

Why a file per client: the limit holds across granian's worker processes, which share
nothing but the file system (the admission directory, server/admission.py). The file holds
the times of the client's recent takes, one a line, read and rewritten under `flock`. A
file whose last take is older than the window says nothing any more; such files are
removed whenever a new client's file is made, so the directory holds about the clients of
one window, however many have come and gone.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import ipaddress
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .admission import Refusal, loopback

IPV6_PREFIX = 64  # one IPv6 client is one /64: an ISP hands out the whole of it


@dataclass(frozen=True)
class Quota:
    root: Path  # shared by the server's worker processes
    name: str  # what is counted, in the file names: several quotas may share the root
    limit: int  # takes per window and client (0: no limit)
    window: float  # seconds

    def take(self, address: str, what: str) -> None:
        """Count one take for `address`; Refusal (429, Retry-After: when the oldest take in
        the window expires) when it has had `limit` in the window. A loopback peer (a tool
        on the machine) is not limited, as in server/admission.py."""
        if self.limit <= 0 or loopback(address):
            return
        path = self.root / f"{self.name}-{_client_key(address)}"
        now = time.time()
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with os.fdopen(os.dup(fd), "r+") as file:
                taken = [t for t in _times(file.read()) if t > now - self.window]
                if len(taken) >= self.limit:
                    wait = math.ceil(min(taken) + self.window - now)
                    raise Refusal(429, f"this client has made {self.limit} {what} within "
                                       f"{self.window:g} s, all this endpoint allows; the "
                                       f"next in {wait} s", max(1, wait))
                file.seek(0)
                file.truncate()
                file.write("".join(f"{t!r}\n" for t in [*taken, now]))
                new = len(taken) == 0
        finally:
            os.close(fd)  # the lock goes with it
        if new:
            self._forget(now, path)

    def _forget(self, now: float, keep: Path) -> None:
        """Remove the files of clients with no take in the window."""
        for old in self.root.glob(f"{self.name}-*"):
            with contextlib.suppress(FileNotFoundError):
                if old != keep and old.stat().st_mtime < now - self.window:
                    old.unlink()


def _times(text: str) -> list[float]:
    times = []
    for line in text.split():
        with contextlib.suppress(ValueError):
            times.append(float(line))
    return times


def _client_key(address: str) -> str:
    """A file-name-safe key of the client: its address, an IPv6 one cut to its /64."""
    with contextlib.suppress(ValueError):
        parsed = ipaddress.ip_address(address)
        if parsed.version == 6:
            address = str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return hashlib.sha256(address.encode()).hexdigest()[:24]
