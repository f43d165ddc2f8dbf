"""Builds as an operator meets them (issue #13, item 7): one build of a store at a time, a
build stopped by a signal (or killed outright) leaving the old store and nothing else,
builds a reader holds never removed, a size limit per release, no build from nothing,
and a damaged store reported in one line. Through the CLI in subprocesses, with signals
sent for real."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from graph.errors import StoreError
from graph.store import check, hold

from .conftest import BASE, ROOT, policykg_command

AGENDA = "SELECT ?t WHERE { ?i pk:position ?p ; pk:topic/skos:prefLabel ?t } ORDER BY ?p"
READER = """
import sys
from pathlib import Path
from graph.store import open_held
store, held = open_held(Path(sys.argv[1]))
print(held.directory, flush=True)
sys.stdin.read()  # holds until the test closes stdin
print(len(list(store.quads_for_pattern(None, None, None))), flush=True)
"""


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """Enough generated releases for a build that converts them in worker processes and
    runs for a few seconds (built with --no-validate: these tests are about the store's
    life cycle, not about how well the generated text is understood)."""
    directory = tmp_path_factory.mktemp("generated")
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_releases.py"),
                    str(directory), "-n", "60"], check=True, capture_output=True)
    return directory


@pytest.fixture
def store(tmp_path) -> Path:
    return tmp_path / "data" / "policykg" / "store"


@pytest.fixture
def start(tmp_path) -> Callable[..., subprocess.Popen]:
    """Start `policykg ARGS…` in a session of its own (as the cli fixture runs it)."""
    started: list[subprocess.Popen] = []

    def run(*args: str) -> subprocess.Popen:
        env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
               "POLICYKG_BASE_IRI": BASE}
        env.pop("POLICYKG_STORE", None)
        process = subprocess.Popen([*policykg_command(), *args], env=env, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        started.append(process)
        return process

    yield run
    for process in started:  # a failed test leaves nothing running
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(condition: Callable[[], bool], process: subprocess.Popen,
             timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def children(pid: int) -> set[int]:
    """The processes `pid` started, by any of its threads; a thread that ends between the
    listing and the reading (the process pool's threads come and go) had none left."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except FileNotFoundError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def directories(store: Path) -> set[Path]:
    return {d for d in store.with_name("store.builds").iterdir() if d.is_dir()}


def building(store: Path, process: subprocess.Popen) -> Path:
    """Wait until `process` holds the store's build lock and has started its build
    directory, with its conversion workers running; return that directory."""
    lock = store.with_name("store.builds") / ".build.lock"
    before = directories(store)
    wait_for(lambda: lock.exists() and lock.read_text().strip() == str(process.pid)
             and directories(store) - before and children(process.pid), process)
    (new,) = directories(store) - before
    return new


def one_line(result_stderr: str) -> str:
    assert result_stderr.endswith("\n") and result_stderr.count("\n") == 1, result_stderr
    assert "Traceback" not in result_stderr
    return result_stderr.strip()


def test_a_second_build_of_the_same_store_is_refused_at_once(cli, start, store, many):
    assert cli("build", "--no-dumps").returncode == 0
    first = start("build", str(many), "--no-dumps", "--no-validate", "--quiet")
    in_progress = building(store, first)
    began = time.monotonic()
    second = cli("build", "--no-dumps")
    assert time.monotonic() - began < 20  # at once: it does not wait for the first
    assert second.returncode == 1
    assert one_line(second.stderr) == \
        f"policykg build: another build of {store} is running (pid {first.pid})"
    assert in_progress.is_dir() and first.poll() is None  # the first goes on
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert "60 releases" in out and store.resolve() == in_progress
    assert cli("build", "--no-dumps").returncode == 0  # the lock went with the first


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_a_stop_signal_removes_the_partial_build_and_the_workers(cli, start, store, many,
                                                                 how):
    """The signal goes to the building process only (as `kill PID` sends it): it ends its
    worker processes itself, removes its directory and says so in one line."""
    assert cli("build", "--no-dumps").returncode == 0
    before = store.resolve()
    build = start("build", str(many), "--no-validate", "--quiet")
    partial = building(store, build)
    workers = children(build.pid)
    os.kill(build.pid, getattr(signal, how))
    _, err = build.communicate(timeout=60)
    number = getattr(signal, how)
    assert build.returncode == (130 if how == "SIGINT" else 128 + number)
    stopped = "interrupted" if how == "SIGINT" else "stopped by SIGTERM"
    assert one_line(err) == f"policykg build: {stopped}; the old store is kept"
    assert store.resolve() == before and not partial.exists()
    assert directories(store) == {before}
    assert not [pid for pid in workers if alive(pid)]
    assert "Smart Cities" in cli("query", AGENDA).stdout


def test_a_stop_signal_at_any_moment_ends_the_build_in_one_of_two_ways(cli, start, store,
                                                                      many):
    """Wherever the signal finds the build (a pool starting, a worker writing its result, a
    dump being compressed, the link being swapped: each once made a build hang or finish
    as if unsignalled), it ends soon, and either before the swap (the old store kept) or
    after it (the new one complete, and said so)."""
    assert cli("build", "--no-dumps").returncode == 0
    began = time.monotonic()
    assert cli("build", str(many), "--no-validate", "--quiet").returncode == 0
    took = time.monotonic() - began
    for fraction in (0.05, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9):
        before = store.resolve()
        build = start("build", str(many), "--no-validate", "--quiet")
        time.sleep(took * fraction)
        os.kill(build.pid, signal.SIGTERM)
        _, err = build.communicate(timeout=60)
        if build.returncode in (0, -signal.SIGTERM):  # it finished before the signal came,
            check(store.resolve())  # or that found it starting or printing its result
        else:
            assert build.returncode == 128 + signal.SIGTERM, err
            line = one_line(err)
            if line.endswith("the old store is kept"):
                assert store.resolve() == before
            else:
                assert line == ("policykg build: stopped by SIGTERM after the new store was "
                                "swapped in"), line
        assert "Smart Cities" in cli("query", AGENDA).stdout


def test_a_second_stop_signal_ends_the_build_at_once(cli, start, store, many):
    """The first signal asks for a clean stop; a second one (an impatient operator) ends
    the process there and then, and the next build removes what it left."""
    assert cli("build", "--no-dumps").returncode == 0
    before = store.resolve()
    build = start("build", str(many), "--no-validate", "--quiet")
    partial = building(store, build)
    # Both arrive together (held while it is stopped), and two of one kind would merge
    # into one: Python runs the handler of SIGINT, then that of SIGTERM.
    os.kill(build.pid, signal.SIGSTOP)
    os.kill(build.pid, signal.SIGINT)
    os.kill(build.pid, signal.SIGTERM)
    os.kill(build.pid, signal.SIGCONT)
    _, err = build.communicate(timeout=60)
    assert build.returncode == -signal.SIGTERM and err == ""  # ended by it, no clean-up
    assert store.resolve() == before and partial.is_dir()
    assert cli("build", "--no-dumps").returncode == 0
    assert not partial.exists()


def test_after_a_sigkill_the_next_build_removes_the_partial_one(cli, start, store, many):
    """SIGKILL cannot be caught: the workers die with their parent (the kernel kills them),
    and the next build removes the directory the dead one left."""
    assert cli("build", "--no-dumps").returncode == 0
    before = store.resolve()
    build = start("build", str(many), "--no-validate", "--quiet")
    partial = building(store, build)
    workers = children(build.pid)
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 10
    while [pid for pid in workers if alive(pid)]:
        assert time.monotonic() < deadline, "orphan workers left running"
        time.sleep(0.05)
    assert partial.is_dir() and store.resolve() == before  # nothing could clean up
    again = cli("build", "--no-dumps")
    assert again.returncode == 0, again.stderr
    assert not partial.exists()
    assert directories(store) == {before, store.resolve()}


def test_a_build_a_reader_holds_is_never_removed(cli, store, tmp_path):
    """Builds older than the previous one are removed, except one a reader holds (a server,
    say): it reads on after any number of rebuilds, and goes at the first build after."""
    assert cli("build", "--no-dumps").returncode == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    reader = subprocess.Popen([sys.executable, "-c", READER, str(store)], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        held = Path(reader.stdout.readline().strip())
        assert held == store.resolve()
        for _ in range(2):  # the second one would remove it, were it not held
            assert cli("build", "--no-dumps").returncode == 0
        assert held.is_dir() and held in directories(store)
        assert len(directories(store)) == 3  # the held one, the previous and the current
        out, _ = reader.communicate("", timeout=60)  # it reads its build, then lets go
        assert int(out) > 3000
    finally:
        reader.kill()
    assert cli("build", "--no-dumps").returncode == 0
    assert not held.exists() and len(directories(store)) == 2
    with pytest.raises(StoreError, match="this build has been removed"):
        hold(held)  # a reader that comes too late is told, and resolves the link again


def test_a_release_over_the_size_limit_is_refused(cli, store, tmp_path):
    assert cli("build", "--no-dumps").returncode == 0
    before = store.resolve()
    big = tmp_path / "big.txt"
    big.write_text("January 1, 2024 Results of the 1st Japan-EU ICT Policy Dialogue\n\n"
                   + "Both sides exchanged views on AI.\n" * 100)
    size = big.stat().st_size
    refused = cli("build", str(big), "--max-release-bytes", "1000")
    assert refused.returncode == 1
    assert one_line(refused.stderr) == (
        f"policykg build: {big}: {size:,} bytes, over the limit of 1,000 bytes a release "
        "(--max-release-bytes or POLICYKG_MAX_RELEASE_BYTES)")
    extracted = cli("extract", str(big), "--max-release-bytes", "2000")
    assert extracted.returncode == 1 and "over the limit of 2,000 bytes" in extracted.stderr
    assert cli("build", "--max-release-bytes", "x").returncode == 2  # argparse's usage
    assert store.resolve() == before and directories(store) == {before}


def test_the_size_limit_comes_from_the_environment_too(tmp_path, store):
    big = tmp_path / "big.txt"
    big.write_text("x" * 3000)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
           "POLICYKG_MAX_RELEASE_BYTES": "2500"}
    result = subprocess.run([*policykg_command(), "build", str(big)], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "3,000 bytes, over the limit of 2,500 bytes" in one_line(result.stderr)
    assert not store.exists()


# A build of one generated release of ~1 MB of text (~450k quads) peaked at 529 MB when its
# graph was held whole; streamed, it peaks at 267–305 MB (bench/build_memory.py, quiet and
# loaded machine). The bound leaves a wide margin over that and still fails well under what
# holding the graph took. Not a timing test: the build takes minutes under load.
LARGE_RELEASE_MB = 1
PEAK_BOUND_MB = 420


def test_a_large_release_builds_in_bounded_memory(store, tmp_path):
    """Memory linear in the text with a small constant (#13): the peak resident set of a
    whole build (extraction, loading, validation, dumps, search index) of a large release,
    read from the kernel's rusage of the build process (and its dump writers)."""
    written = tmp_path / "text"
    subprocess.run([sys.executable, str(ROOT / "bench" / "build_memory.py"), "--write",
                    str(written), "--sizes", str(LARGE_RELEASE_MB)], check=True,
                   capture_output=True)
    release = written / f"release-{LARGE_RELEASE_MB:g}MB.txt"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "POLICYKG_BASE_IRI": BASE}
    env.pop("POLICYKG_STORE", None)
    with (tmp_path / "stderr").open("w+") as err:
        process = subprocess.Popen([*policykg_command(), "build", "--quiet", str(release)],
                                   env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                   stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        err.seek(0)
        assert os.waitstatus_to_exitcode(status) == 0, err.read()
    check(store)
    peak = usage.ru_maxrss / 1024
    assert peak < PEAK_BOUND_MB, f"peak RSS {peak:.0f} MB for ~{LARGE_RELEASE_MB} MB of text"


def test_an_empty_input_folder_is_refused(cli, store, tmp_path):
    assert cli("build", "--no-dumps").returncode == 0
    before = store.resolve()
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("not a release")
    result = cli("build", str(empty))
    assert result.returncode == 1
    assert one_line(result.stderr) == (f"policykg build: {empty}: no release files here "
                                       "(.txt, .html, .htm); the store is unchanged")
    assert store.resolve() == before and directories(store) == {before}
    assert "Smart Cities" in cli("query", AGENDA).stdout


def damaged(store: Path, tmp_path: Path) -> Path:
    """A copy of a built store whose table files are cut short."""
    copy = tmp_path / "damaged"
    subprocess.run(["cp", "-r", str(store.resolve()), str(copy)], check=True)
    for table in copy.glob("*.sst"):
        with table.open("r+b") as file:
            file.truncate(table.stat().st_size // 2)
    return copy


def test_a_store_that_is_empty_or_damaged_is_one_line(cli, store, tmp_path):
    assert cli("build", "--no-dumps").returncode == 0
    empty, not_a_directory = tmp_path / "empty-store", tmp_path / "a-file"
    empty.mkdir()
    not_a_directory.write_text("no store")
    broken = damaged(store, tmp_path)
    for bad, commands in ((broken, (["query", AGENDA], ["validate"], ["dump"])),
                          (empty, (["query", AGENDA],)), (not_a_directory, (["dump"],))):
        for command in commands:
            result = cli(*command, "--store", str(bad))
            assert result.returncode == 1, result.stderr
            assert one_line(result.stderr).startswith(f"policykg {command[0]}: {bad}: ")
        with pytest.raises(StoreError) as error:
            check(bad)
        assert "\n" not in str(error.value) and str(bad) in str(error.value)
    check(store)  # the good one passes
