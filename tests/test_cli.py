"""The command line as users meet it: a subprocess running `policykg`, its output, its
exit codes, and its one-line errors; a failed build leaves the previous store intact."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rdflib

from .conftest import BAD, BASE, FIXTURES, ROOT, policykg_command

TWO = FIXTURES / "fixture-two-meetings.txt"
AGENDA = "SELECT ?t WHERE { ?i pk:position ?p ; pk:topic/skos:prefLabel ?t } ORDER BY ?p"


def built(cli) -> None:
    result = cli("build")
    assert result.returncode == 0, result.stderr
    assert "1 release, 26 statements" in result.stdout


def test_build_then_query_table_with_default_store(cli, tmp_path):
    built(cli)
    assert (tmp_path / "data" / "policykg" / "store").is_symlink()
    result = cli("query", AGENDA)
    assert result.returncode == 0, result.stderr
    assert "Smart Cities" in result.stdout and "(5 rows)" in result.stdout


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "xml"])
def test_query_result_formats(cli, fmt):
    built(cli)
    result = cli("query", AGENDA, "--format", fmt)
    assert result.returncode == 0, result.stderr
    if fmt == "json":
        bindings = json.loads(result.stdout)["results"]["bindings"]
        assert bindings[0]["t"]["value"] == "Smart Cities"
    elif fmt == "csv":
        assert list(csv.reader(io.StringIO(result.stdout)))[1] == ["Smart Cities"]
    else:
        assert "Smart Cities" in result.stdout


def test_query_from_file_and_stdin_and_graph_formats(cli, tmp_path):
    built(cli)
    rq = Path(__file__).parent.parent / "queries" / "03-agenda.rq"
    assert "Cybersecurity" in cli("query", str(rq)).stdout
    construct = "CONSTRUCT { ?m pk:edition ?e } WHERE { ?m pk:edition ?e }"
    ttl = cli("query", "-", "--format", "ttl", stdin=construct)
    assert ttl.returncode == 0, ttl.stderr
    graph = rdflib.Graph().parse(data=ttl.stdout, format="turtle")
    assert [int(o) for o in graph.objects()] == [28]
    nt = cli("query", construct, "--format", "nt")
    assert nt.stdout.count(" .\n") == 1


def test_query_errors_are_one_line(cli):
    built(cli)
    result = cli("query", "SELECT ?x WHERE { ?x ")
    assert result.returncode != 0
    assert result.stderr.startswith("policykg query:") and result.stderr.count("\n") == 1
    wrong = cli("query", AGENDA, "--format", "ttl")
    assert wrong.returncode != 0 and "table, json" in wrong.stderr


def test_query_without_store_says_build_first(cli):
    result = cli("query", AGENDA)
    assert result.returncode == 1
    assert "run `policykg build` first" in result.stderr


def test_extract_prints_facts_as_json(cli):
    result = cli("extract", str(TWO))
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert [m["edition"] for m in facts["meetings"]] == [30, 4]
    assert len(facts["statements"]) == 14


def test_validate_and_dump(cli, tmp_path):
    built(cli)
    ok = cli("validate")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Conforms: True" in ok.stdout
    out = tmp_path / "kg.nq"
    assert cli("dump", "--format", "nq", "-o", str(out)).returncode == 0
    dataset = rdflib.Dataset()
    dataset.parse(out, format="nquads")
    assert len(dataset) > 2000
    ttl = cli("dump", "--format", "ttl")
    assert len(rdflib.Graph().parse(data=ttl.stdout, format="turtle")) > 2000


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.txt", "the file is empty"),
        ("not-utf8.txt", "not UTF-8 text: invalid byte 0x96 at line"),
        ("no-release.html", "no release found"),
        ("no-date.txt", "no publication date"),
        ("no-title.txt", "no title"),
    ],
)
def test_bad_input_fails_cleanly_and_keeps_the_store(cli, tmp_path, name, message):
    built(cli)
    before = cli("query", AGENDA).stdout
    link = (tmp_path / "data" / "policykg" / "store").resolve()
    result = cli("build", str(BAD / name))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert str(BAD / name) in result.stderr and message in result.stderr
    assert (tmp_path / "data" / "policykg" / "store").resolve() == link
    assert cli("query", AGENDA).stdout == before
    assert cli("extract", str(BAD / name)).returncode == 1


def test_missing_file_and_bad_base(cli, tmp_path):
    missing = cli("build", str(tmp_path / "nope.txt"))
    assert missing.returncode == 1 and "nope.txt: cannot read file" in missing.stderr
    base = cli("build", "--base-iri", "ftp://x")
    assert base.returncode == 2 and "base IRI must be" in base.stderr


def test_same_release_twice_is_an_error(cli):
    result = cli("build", str(TWO), str(TWO))
    assert result.returncode == 1 and "the same release as" in result.stderr


def test_store_path_that_is_not_ours_is_refused(cli, tmp_path):
    other = tmp_path / "plain"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    result = cli("build", "--store", str(other))
    assert result.returncode == 1 and "not a store built by policykg" in result.stderr
    assert (other / "keep.txt").read_text() == "mine"


def test_ctrl_c_during_a_build_keeps_the_store(cli, tmp_path):
    """Ctrl-C (SIGINT to the whole process group, workers included) in the middle of a
    build of many releases: one line, exit code 130, the old store served as before, the
    new build's directory gone, no process left behind."""
    built(cli)
    store = tmp_path / "data" / "policykg" / "store"
    before = store.resolve()
    releases = tmp_path / "generated"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate_releases.py"),
                    str(releases), "-n", "400"], check=True, capture_output=True)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "POLICYKG_BASE_IRI": BASE}
    build = subprocess.Popen([*policykg_command(), "build", str(releases)], env=env,
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    builds = store.with_name("store.builds")
    deadline = time.monotonic() + 60
    while len([d for d in builds.iterdir() if d.is_dir()]) < 2:  # the new build has begun
        assert build.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(build.pid, signal.SIGINT)
    _, err = build.communicate(timeout=60)
    assert build.returncode == 130, err
    assert err == "policykg build: interrupted; the old store is kept\n"
    assert store.resolve() == before
    assert [d for d in builds.iterdir() if d.is_dir()] == [before]
    assert "Smart Cities" in cli("query", AGENDA).stdout
    with pytest.raises(ProcessLookupError):
        os.killpg(build.pid, 0)  # the conversion workers are gone too
