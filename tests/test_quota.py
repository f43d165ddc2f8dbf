"""A client's share over time (server/quota.py), on the class itself where HTTP cannot
reach in a test's time: a share that comes back once the window has passed, the files of
clients gone quiet removed, an IPv6 client counted by its /64. Over HTTP (a 429 from /q,
another client served): tests/test_workbench_permalinks.py."""

from __future__ import annotations

import time

import pytest

from server.admission import Refusal
from server.quota import Quota

WINDOW = 0.5


def test_a_share_is_refused_with_retry_after_then_comes_back(tmp_path):
    quota = Quota(tmp_path, "things", 2, WINDOW)
    quota.take("203.0.113.7", "things")
    quota.take("203.0.113.7", "things")
    with pytest.raises(Refusal) as refused:
        quota.take("203.0.113.7", "things")
    assert refused.value.status == 429 and refused.value.retry_after == 1
    assert "2 things" in refused.value.message
    quota.take("203.0.113.8", "things")  # another client: its own share
    time.sleep(WINDOW + 0.1)
    quota.take("203.0.113.7", "things")  # the window has passed


def test_loopback_and_a_limit_of_zero_are_not_limited(tmp_path):
    for _ in range(5):
        Quota(tmp_path, "things", 1, WINDOW).take("127.0.0.1", "things")
        Quota(tmp_path, "things", 0, WINDOW).take("203.0.113.7", "things")
    assert not list(tmp_path.iterdir())


def test_an_ipv6_client_is_its_64_and_quiet_clients_files_are_removed(tmp_path):
    quota = Quota(tmp_path, "things", 1, WINDOW)
    quota.take("2001:db8:1:2::1", "things")
    with pytest.raises(Refusal):
        quota.take("2001:db8:1:2:ffff::9", "things")  # the same /64
    quota.take("2001:db8:1:3::1", "things")  # another /64
    assert len(list(tmp_path.glob("things-*"))) == 2
    time.sleep(WINDOW + 0.1)
    quota.take("203.0.113.7", "things")  # a new client's file: the quiet ones go
    assert len(list(tmp_path.glob("things-*"))) == 1
