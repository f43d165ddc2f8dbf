"""Confining the process that evaluates the public's queries, from the inside, before it
reads its first query.

A SPARQL engine follows SERVICE, and a query can ask for as much memory as it likes: the
parse-based refusal in front (graph/sparql_shape.py) is one wall, this is the second,
for whatever slips past it. Three limits, each with the kernel doing the enforcing:

- no network: the process moves into a network namespace of its own (only a loopback
  that is down: connecting anywhere, 127.0.0.1 included, fails with "network is
  unreachable"), and a seccomp filter refuses to create any socket but a Unix one (so
  even a process that cannot unshare gets no TCP/UDP socket). Either one alone closes the
  door; a process where neither applies refuses to start (`Unconfined`).
- bounded memory: the parent watches the process's resident memory while it evaluates
  and kills it past the limit (server/evaluators.py); RLIMIT_AS, set here at the limit
  plus room for what is mapped but not used (thread stacks, the store's files), stops a
  burst between two looks: an allocation fails and the process aborts (Rust's allocator
  aborts rather than unwinding). Either way its parent says 503.
- no orphans: the process is killed when the thread that started it dies
  (PR_SET_PDEATHSIG), so a worker killed with `kill -9` leaves no evaluator running.
"""

from __future__ import annotations

import ctypes
import errno
import resource
import signal
import socket

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
PR_SET_PDEATHSIG = 1
# address space beyond the memory limit: RocksDB's threads and mappings reserve ~0.5 GB
# that is never resident (measured: 374-504 MB of VmSize for 32 MB of RSS at rest)
ADDRESS_SPACE_ROOM = 768 << 20


class Unconfined(RuntimeError):
    """Neither a network namespace nor a seccomp filter could be applied here."""


def confine(memory_bytes: int) -> list[str]:
    """Apply every limit this machine allows; the names of those applied."""
    libc = ctypes.CDLL(None, use_errno=True)
    applied = []
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
        applied.append("parent-death")
    # as root (or with CAP_SYS_ADMIN) a network namespace alone; otherwise inside a user
    # namespace of its own, where an unprivileged process may make one
    if libc.unshare(CLONE_NEWNET) == 0 or libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
        applied.append("network-namespace")
    if _no_inet_sockets():
        applied.append("seccomp")
    if "network-namespace" not in applied and "seccomp" not in applied:
        raise Unconfined("neither a network namespace nor a seccomp filter can be set up on "
                         "this machine, so queries cannot be kept off the network")
    if memory_bytes > 0:
        space = memory_bytes + ADDRESS_SPACE_ROOM
        resource.setrlimit(resource.RLIMIT_AS, (space, space))
        applied.append(f"address-space<={space >> 20}MB")
    return applied


def _no_inet_sockets() -> bool:
    """A seccomp filter: socket() of any family but AF_UNIX fails with EACCES. False when
    libseccomp (Debian: libseccomp2) or the syscall is not available."""
    try:
        import pyseccomp as seccomp

        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        rules.add_rule(seccomp.ERRNO(errno.EACCES), "socket",
                       seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        rules.load()
    except (ImportError, OSError, RuntimeError, ValueError):
        return False
    return True
