"""The reasoners the tests and bench/reasoner_timing.py run on N-Triples files: HermiT (a
complete OWL 2 DL reasoner) and Pellet's profile check, both as owlready2 bundles and runs
them with Java; and OWL 2 RL by owlrl.

HermiT is told to accept datatypes outside the OWL 2 datatype map (`xsd:date`,
`xsd:gYearMonth`: the dates of the data): it then treats their values as opaque, so a date
is never the cause of an inconsistency it reports. Everything else it reasons about fully.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import owlready2
import rdflib
from rdflib import RDF

#: Pellet's jars, as owlready2 ships them (its `pellet info` reports an ontology's profile).
PELLET_CLASSPATH = str(Path(owlready2.__file__).parent / "pellet" / "*")


def hermit_consistent(*paths: Path) -> bool:
    """Whether HermiT finds the union of the N-Triples files consistent.

    owlready2 loads the files into a world of its own, writes it out and runs HermiT's
    command line on it; an inconsistent ontology is the one error it raises by name.
    """
    world = owlready2.World()
    for path in paths:
        world.get_ontology(path.resolve().as_uri()).load(format="ntriples")
    try:
        owlready2.sync_reasoner_hermit(world, debug=0, ignore_unsupported_datatypes=True)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False
    finally:
        world.close()
    return True


def owl2_profile(path: Path) -> str:
    """The most specific OWL 2 profile of the file as Pellet's `info` names it ("OWL 2 DL",
    "OWL 2 RL", ..., or plain "OWL 2" when it is in none: not OWL 2 DL)."""
    result = subprocess.run(
        [owlready2.JAVA_EXE, "-cp", PELLET_CLASSPATH, "pellet.Pellet", "info",
         path.resolve().as_uri()],
        capture_output=True, text=True, check=True, timeout=300)
    found = re.search(r"^OWL Profile = (.+)$", result.stdout, re.MULTILINE)
    assert found, result.stdout + result.stderr
    return found.group(1).strip()


#: The RDF reification vocabulary of our stated relations (docs/model.md, "OWL 2 DL"):
#: OWL 2 reserves it, so its triples are outside every OWL 2 DL ontology.
REIFICATION = (RDF.subject, RDF.predicate, RDF.object)


def dl_view(graph: rdflib.Graph) -> rdflib.Graph:
    """The graph without the reification triples of its stated relations (the type
    rdf:Statement and rdf:subject/predicate/object): what OWL 2 DL reads of our data. The
    relation itself is asserted beside its evidence node, and the node keeps its
    pk:evidence and pk:inferredBy."""
    view = rdflib.Graph()
    for s, p, o in graph:
        if p not in REIFICATION and not (p == RDF.type and o == RDF.Statement):
            view.add((s, p, o))
    return view


def write_nt(graph: rdflib.Graph, path: Path) -> Path:
    graph.serialize(path, format="nt", encoding="utf-8")
    return path
