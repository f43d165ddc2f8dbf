"""Facts to RDF quads: one named graph per release, the lexicon and ontology in graphs of
their own. The data has no blank nodes, and the ontology's (its OWL lists) are labelled by
RDFC-1.0, so the dumps (each graph's quads sorted, graph/dumps.py) are a function of the
quads: two builds of the same input, or a front-end's copy of a published version, give the
same bytes."""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse

import ontology

from .dumps import with_canonical_blank_nodes
from .facts import Evidence, Meeting, Relation, ReleaseFacts
from .iris import DCTERMS, ELI, LANGUAGES, OA, ORG, PROV, RDF, RDFS, SCHEMA, SKOS, XSD, Iris, ns
from .lexicon import Entry, Lexicon

_MODES = {"offline": "OfflineEventAttendanceMode", "online": "OnlineEventAttendanceMode",
          "mixed": "MixedEventAttendanceMode"}
_CONTEXT = 32  # characters of oa:prefix / oa:suffix

TYPE = ns(RDF, "type")
LABEL = ns(RDFS, "label")
PREF = ns(SKOS, "prefLabel")
ALT = ns(SKOS, "altLabel")


def _xsd(value: object, datatype: str) -> Literal:
    return Literal(str(value), datatype=ns(XSD, datatype))


def _en(value: str, language: str = "en") -> Literal:
    return Literal(value, language=language)


class _Writer:
    """Collects quads for one graph; keeps emission code short and uniform."""

    def __init__(self, iris: Iris, graph: NamedNode) -> None:
        self.iris, self.graph, self.quads = iris, graph, []

    def drain(self) -> list[Quad]:
        """The quads collected since the last drain, let go of here: a generator of a
        large graph hands them on a few at a time instead of holding them all."""
        quads, self.quads = self.quads, []
        return quads

    def add(self, s: NamedNode, p: NamedNode, o) -> None:
        self.quads.append(Quad(s, p, o, self.graph))

    def pk(self, s: NamedNode, local: str, o) -> None:
        self.add(s, self.iris.term(local), o)

    def typed(self, s: NamedNode, *kinds: str) -> None:
        for kind in kinds:
            self.add(s, TYPE, self.iris.term(kind))

    def labelled(self, s: NamedNode, label: str, aliases=(), language: str = "en") -> None:
        self.add(s, LABEL, _en(label, language))
        self.add(s, PREF, _en(label, language))
        for alias in aliases:
            if alias != label:
                self.add(s, ALT, _en(alias, language))


# Kinds the lexicon gives that are roles the extractor reads, not classes: "Party" marks
# who may be a side of a dialogue. In RDF, being a party is the pk:party relation of a
# series, so a venue's country does not become a party by its class; a party the lexicon
# gives no class (a union of states: the EU) is an organisation.
_ROLES = {"Party": "Organisation"}


def _classes(kinds) -> list[str]:
    classes = [kind for kind in kinds if kind not in _ROLES]
    return classes or [_ROLES[kind] for kind in kinds if kind in _ROLES]


def territory(iris: Iris, country_id: str) -> NamedNode:
    """A country's territory, ``place/{slug}``: where things are held and what cities lie
    in. The country itself (``actor/{slug}``) is an actor, never a place."""
    return iris.thing("place/" + country_id.split("/", 1)[1])


def _country(w: _Writer, country_id: str, label: str, language: str,
             curation: NamedNode) -> NamedNode:
    """The territory of a country, labelled like it and linked from it (dcterms:spatial)."""
    place = territory(w.iris, country_id)
    w.typed(place, "Place")
    w.labelled(place, label, language=language)
    w.pk(place, "curation", curation)
    w.add(w.iris.thing(country_id), ns(DCTERMS, "spatial"), place)
    return place


def scheme_iri(iris: Iris, name: str) -> NamedNode:
    return iris.thing(f"scheme/{name}")


def _unit_predicate(kinds: set[str]) -> NamedNode:
    """org:unitOf for a unit of a formal organisation, else the general subOrganizationOf."""
    return ns(ORG, "unitOf" if "GovernmentBody" in kinds else "subOrganizationOf")


# ---------------------------------------------------------------- release graphs

def release_quads(facts: ReleaseFacts, iris: Iris) -> Iterator[Quad]:
    """A release's graph, quad by quad in a fixed order, made as it is consumed: a large
    release's graph (~450k quads, ~270 MB as objects, per MB of text) is never whole in
    memory; a quad may come more than once (graph/convert.py keeps the first)."""
    slug = facts.id.split("/", 1)[1]
    graph = iris.graph(f"release/{slug}")
    w = _Writer(iris, graph)
    release = iris.thing(facts.id)
    lang = facts.language
    kinds = {e.id: set(e.kinds) for e in facts.entities}

    def located(entity_id: str) -> NamedNode:
        """Where something is: a country given as a place is its territory."""
        return (territory(iris, entity_id) if "Country" in kinds.get(entity_id, ())
                else iris.thing(entity_id))

    def evidence(ev: Evidence) -> NamedNode:
        node = iris.thing(f"evidence/{slug}-{ev.start}-{ev.end}")
        if node.value not in seen_evidence:
            seen_evidence.add(node.value)
            quote, position = NamedNode(node.value + "#quote"), NamedNode(node.value + "#position")
            w.add(node, TYPE, ns(OA, "SpecificResource"))
            w.add(node, LABEL, _en(f"Characters {ev.start}–{ev.end} of the release", "en"))
            w.add(node, ns(OA, "hasSource"), release)
            w.add(node, ns(OA, "hasSelector"), quote)
            w.add(node, ns(OA, "hasSelector"), position)
            w.add(quote, TYPE, ns(OA, "TextQuoteSelector"))
            w.add(quote, ns(OA, "exact"), Literal(ev.quote))
            before = facts.text[max(0, ev.start - _CONTEXT):ev.start]
            w.add(quote, ns(OA, "prefix"), Literal(before))
            w.add(quote, ns(OA, "suffix"), Literal(facts.text[ev.end:ev.end + _CONTEXT]))
            w.add(position, TYPE, ns(OA, "TextPositionSelector"))
            w.add(position, ns(OA, "start"), _xsd(ev.start, "integer"))
            w.add(position, ns(OA, "end"), _xsd(ev.end, "integer"))
        return node

    seen_evidence: set[str] = set()
    w.add(graph, TYPE, ns(PROV, "Entity"))
    w.add(graph, LABEL, _en(f"Facts extracted from “{facts.title}”"))
    w.add(graph, ns(PROV, "wasDerivedFrom"), release)

    w.typed(release, "Release")
    w.add(release, LABEL, _en(facts.title, lang))
    w.add(release, ns(DCTERMS, "title"), _en(facts.title, lang))
    w.add(release, ns(DCTERMS, "issued"), _xsd(facts.published, "date"))
    w.add(release, ns(DCTERMS, "language"), NamedNode(LANGUAGES + lang))
    w.pk(release, "text", Literal(facts.text))
    if facts.publisher:
        w.add(release, ns(DCTERMS, "publisher"), iris.thing(facts.publisher))
    if facts.source_url:
        w.add(release, ns(DCTERMS, "source"), NamedNode(facts.source_url))
        w.add(release, ns(PROV, "hadPrimarySource"), NamedNode(facts.source_url))
    if facts.rights:
        w.add(release, ns(DCTERMS, "rights"), _en(facts.rights))

    for meeting in facts.meetings:
        yield from w.drain()
        node = iris.thing(meeting.id)
        w.pk(release, "reports", node)
        w.typed(node, "Meeting")
        w.labelled(node, meeting.label, language=lang)
        w.pk(node, "series", iris.thing(meeting.series))
        if meeting.edition:
            w.pk(node, "edition", _xsd(meeting.edition, "integer"))
        w.add(node, ns(SCHEMA, "startDate"), _xsd(meeting.date, "date"))
        if meeting.end_date:
            w.add(node, ns(SCHEMA, "endDate"), _xsd(meeting.end_date, "date"))
        for person in meeting.participants:
            w.add(node, ns(SCHEMA, "attendee"), iris.thing(person))
        if meeting.place:
            w.pk(node, "heldIn", located(meeting.place))
        if meeting.mode:
            w.add(node, ns(SCHEMA, "eventAttendanceMode"), ns(SCHEMA, _MODES[meeting.mode]))
        for organiser in meeting.organisers:
            w.add(node, ns(SCHEMA, "organizer"), iris.thing(organiser))
        w.pk(node, "evidence", evidence(meeting.evidence))
        for item in meeting.agenda:
            agenda = iris.thing(f"agenda-item/{meeting.id.split('/', 1)[1]}-{item.position}")
            w.pk(node, "agendaItem", agenda)
            w.typed(agenda, "AgendaItem")
            w.add(agenda, LABEL, _en(f"{item.position}. {item.evidence.quote}", lang))
            w.pk(agenda, "position", _xsd(item.position, "integer"))
            w.pk(agenda, "topic", iris.thing(item.topic))
            w.pk(agenda, "evidence", evidence(item.evidence))

    for entity in facts.entities:
        yield from w.drain()
        if entity.curated:
            continue
        node = iris.thing(entity.id)
        w.typed(node, *_classes(entity.kinds))
        w.labelled(node, entity.label, entity.aliases, lang)
        w.pk(node, "curation", iris.term("Discovered"))
        w.add(node, ns(PROV, "wasDerivedFrom"), release)
        for identifier in entity.identifiers:
            w.add(node, ns(DCTERMS, "identifier"), Literal(identifier))
        found = [node]
        if "Country" in entity.kinds:  # found in the text with the country it is of
            found.append(_country(w, entity.id, entity.label, lang, iris.term("Discovered")))
        for thing in found if entity.evidence else ():
            w.pk(thing, "evidence", evidence(entity.evidence))
        if "Topic" in entity.kinds:
            w.add(node, ns(SKOS, "inScheme"), scheme_iri(iris, "topics"))
            w.add(node, ns(SKOS, "topConceptOf"), scheme_iri(iris, "topics"))

    labels = {e.id: e.label for e in facts.entities}
    for st in facts.statements:
        yield from w.drain()
        node = iris.thing(f"statement/{slug}-{st.number:02d}")
        w.typed(node, "Statement")
        if st.release_voice:  # the publisher's words in the release: no speaker as written
            w.typed(node, "ReleaseStatement")
            speaker = f"{labels.get(st.speakers[0], st.speakers[0])} (release text)"
            w.add(node, LABEL, _en(_statement_label(speaker, st.act, st.content), lang))
        else:
            w.add(node, LABEL, _en(_statement_label(st.attribution, st.act, st.content), lang))
            w.pk(node, "attributionText", _en(st.attribution, lang))
        for speaker in st.speakers:
            w.pk(node, "statedBy", iris.thing(speaker))
        w.pk(node, "speechAct", iris.thing(st.act))
        if st.meeting:
            w.pk(node, "madeAt", iris.thing(st.meeting))
        for topic in st.topics:
            w.pk(node, "onTopic", iris.thing(topic))
        w.pk(node, "content", _en(st.content, lang))
        for entity in st.mentions:
            w.pk(node, "mentions", iris.thing(entity))
        if st.responds_to:
            w.pk(node, "respondsTo", iris.thing(f"statement/{slug}-{st.responds_to:02d}"))
        w.pk(node, "evidence", evidence(st.evidence))
        w.add(node, ns(PROV, "wasDerivedFrom"), release)

    for number, mention in enumerate(facts.mentions, 1):
        yield from w.drain()
        node = iris.thing(f"mention/{slug}-{number:03d}")
        w.add(node, TYPE, ns(OA, "Annotation"))
        w.add(node, ns(OA, "motivatedBy"), ns(OA, "identifying"))
        w.add(node, ns(OA, "hasBody"), iris.thing(mention.entity))
        w.add(node, ns(OA, "hasTarget"), evidence(mention.evidence))
        if mention.statement:
            w.pk(node, "inStatement", iris.thing(f"statement/{slug}-{mention.statement:02d}"))

    for (person, *_), (number, parts) in _posts(facts.relations).items():
        yield from w.drain()
        span = next(iter(parts.values())).evidence
        _post_claim(w, iris.thing(f"claim/{slug}-{number:03d}"), iris.thing(person), parts,
                    labels, lang, facts.published, release, evidence(span))
    for number, rel in enumerate(facts.relations, 1):
        yield from w.drain()
        subject = iris.thing(rel.subject)
        if rel.predicate in _POST:
            continue  # in a post claim, above
        if rel.predicate in _CLAIMS:
            claim = iris.thing(f"claim/{slug}-{number:03d}")
            _claim(w, claim, subject, rel, labels.get(rel.subject, rel.subject),
                   facts.published, release, evidence(rel.evidence))
            if rel.rule:  # the claim is a qualified node already: it carries the rule
                w.pk(claim, "inferredBy", iris.term(rel.rule))
            continue
        predicate = _relation_predicate(rel.predicate, kinds.get(rel.subject, set()),
                                        kinds.get(rel.object or "", set()), iris)
        if rel.object:
            value = located(rel.object) if rel.predicate in _LOCATING else iris.thing(rel.object)
        elif rel.datatype:
            value = _xsd(rel.value, rel.datatype)
        else:
            value = _en(rel.value or "", lang)
        w.add(subject, predicate, value)
        if predicate == iris.term("series"):  # what has occurrences is a series
            w.typed(value, "EventSeries")
        _fact(w, iris.thing(f"fact/{slug}-{number:03d}"), (subject, predicate, value),
              f"relation {number} of the release", evidence(rel.evidence), rel.rule)

    for meeting in facts.meetings:  # what the extractor concluded about a meeting
        yield from w.drain()
        node, key = iris.thing(meeting.id), meeting.id.split("/", 1)[1]
        for name, inferred in sorted(meeting.inferred.items()):
            for predicate, value in _meeting_values(meeting, name):
                _fact(w, iris.thing(f"fact/{slug}-{key}-{predicate.value.rsplit('/', 1)[1]}"),
                      (node, predicate, value), f"{name} of {meeting.label}",
                      evidence(inferred.evidence), inferred.rule)
    for entity in (e for e in facts.entities if e.rule and e.evidence):  # no text names it
        yield from w.drain()
        node = iris.thing(entity.id)
        _fact(w, iris.thing(f"fact/{slug}-{entity.id.replace('/', '-')}-type"),
              (node, TYPE, iris.term(_classes(entity.kinds)[0])), f"{entity.label} exists",
              evidence(entity.evidence), entity.rule)

    for number, c in enumerate(facts.contacts, 1):
        yield from w.drain()
        node = iris.thing(f"contact/{slug}-{number}")
        w.pk(release, "contactPoint", node)
        w.typed(node, "ContactPoint")
        w.add(node, LABEL, _en(f"Contact {number} for “{facts.title}”"))
        if c.organisation:
            w.pk(node, "contactOrganisation", iris.thing(c.organisation))
        for prop, value in (("telephone", c.telephone), ("faxNumber", c.fax),
                            ("email", c.email)):
            if value:
                w.add(node, ns(SCHEMA, prop), Literal(value))
        if c.url:
            w.add(node, ns(SCHEMA, "url"), NamedNode(c.url))
        w.pk(node, "evidence", evidence(c.evidence))
    yield from w.drain()


def _fact(w: _Writer, node: NamedNode, triple: tuple, about: str, span: NamedNode,
          rule: str | None) -> None:
    """The evidence of one asserted triple (an rdf:Statement with the span of text); a
    triple the extractor inferred also names its rule (pk:inferredBy), whose definition
    is in the ontology."""
    subject, predicate, value = triple
    w.add(node, TYPE, ns(RDF, "Statement"))
    w.add(node, LABEL, _en(f"{'Inferred' if rule else 'Stated'} {about}"))
    w.add(node, ns(RDF, "subject"), subject)
    w.add(node, ns(RDF, "predicate"), predicate)
    w.add(node, ns(RDF, "object"), value)
    w.pk(node, "evidence", span)
    if rule:
        w.pk(node, "inferredBy", w.iris.term(rule))


def _meeting_values(meeting: Meeting, name: str) -> list[tuple[NamedNode, object]]:
    """The triples of a meeting's field, as release_quads asserts them: "date" is its first
    and its last day (read the same way), "mode" its attendance mode."""
    if name == "mode":
        return [(ns(SCHEMA, "eventAttendanceMode"), ns(SCHEMA, _MODES[meeting.mode]))]
    days = [(ns(SCHEMA, "startDate"), _xsd(meeting.date, "date"))]
    if meeting.end_date:
        days.append((ns(SCHEMA, "endDate"), _xsd(meeting.end_date, "date")))
    return days


def _statement_label(attribution: str, act: str, content: str, limit: int = 110) -> str:
    speaker = attribution[0].upper() + attribution[1:] if attribution else "Someone"
    text = f"{speaker} {act.split('/', 1)[1].replace('-', ' ')}: {content}"
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# Relations that change over time become dated claims (issue #16): the thing links to a
# claim node (link property, claim class, how its label reads) that holds the value, the
# date it holds as of, the release and the evidence; the undated triple is never asserted.
_CLAIMS = {"status": ("statusClaim", "StatusClaim", "{}"),
           "enteredIntoForce": ("entryIntoForceClaim", "EntryIntoForceClaim",
                                "entered into force {}"),
           "scheduledFor": ("scheduleClaim", "ScheduleClaim", "scheduled for {}")}


def _claim(w: _Writer, node: NamedNode, subject: NamedNode, rel: Relation, label: str,
           as_of: str, release: NamedNode, span: NamedNode) -> None:
    """A dated, sourced claim: as of the release's date, since the extractor gives no
    other date a text puts on what it says."""
    link, cls, reads = _CLAIMS[rel.predicate]
    if rel.object:
        w.pk(node, "value", w.iris.thing(rel.object))
        value = rel.object.split("/", 1)[1].replace("-", " ")
    else:
        w.pk(node, "dateValue", _xsd(rel.value, rel.datatype or "date"))
        value = rel.value or ""
    _dated(w, node, (subject, link, cls), f"{label}: {reads.format(value)}", as_of, release,
           span)


def _dated(w: _Writer, node: NamedNode, about: tuple[NamedNode, str, str], says: str,
           as_of: str, release: NamedNode, span: NamedNode) -> None:
    """What every claim has: the thing's link to it, its class, a label saying what it
    claims as of when, the date, the release and the text span."""
    subject, link, cls = about
    w.pk(subject, link, node)
    w.typed(node, cls)
    w.add(node, LABEL, _en(f"{says}, as of {as_of}"))
    w.pk(node, "asOf", _xsd(as_of, "date"))
    w.add(node, ns(PROV, "wasDerivedFrom"), release)
    w.pk(node, "evidence", span)


# A person's post, as the extractor gives it: a jobTitle (the title as written) and a
# memberOf (the organisation) of one person from one span of text (the list item that
# names them). Posts change, so the two are one dated claim, W3C ORG's n-ary membership.
_POST = frozenset({"jobTitle", "memberOf"})


def _posts(relations: list[Relation]) -> dict[tuple[str, int, int], tuple[int, dict]]:
    """(person, span) → (the number of its first relation, {jobTitle/memberOf: relation})."""
    posts: dict[tuple[str, int, int], tuple[int, dict]] = {}
    for number, rel in enumerate(relations, 1):
        if rel.predicate in _POST:
            key = (rel.subject, rel.evidence.start, rel.evidence.end)
            posts.setdefault(key, (number, {}))[1][rel.predicate] = rel
    return posts


def _post_claim(w: _Writer, node: NamedNode, person: NamedNode, parts: dict[str, Relation],
                labels: dict[str, str], lang: str, as_of: str, release: NamedNode,
                span: NamedNode) -> None:
    w.add(node, ns(ORG, "member"), person)
    held = []
    if "jobTitle" in parts:
        title = parts["jobTitle"].value or ""
        w.pk(node, "postTitle", _en(title, lang))
        held.append(title)
    if "memberOf" in parts:
        organisation = parts["memberOf"].object or ""
        w.add(node, ns(ORG, "organization"), w.iris.thing(organisation))
        held.append(labels.get(organisation, organisation))
    name = labels.get(next(iter(parts.values())).subject, person.value)
    _dated(w, node, (person, "postClaim", "PostClaim"), f"{name}: {', '.join(held)}", as_of,
           release, span)


_LOCATING = frozenset({"heldIn", "inCountry"})  # relations whose object is a place
_RELATION_TERMS = {"description": ns(DCTERMS, "description")}


def _relation_predicate(name: str, subject_kinds: set[str], object_kinds: set[str],
                        iris: Iris) -> NamedNode:
    if name == "unitOf":
        return _unit_predicate(object_kinds)
    if name == "partOf" and "Event" in subject_kinds:
        return iris.term("series")  # an event is part of another as one of its occurrences
    return _RELATION_TERMS.get(name) or iris.term(name)


# ---------------------------------------------------------------- lexicon graph

def lexicon_quads(lexicon: Lexicon, iris: Iris) -> list[Quad]:
    """The curated knowledge: actors, initiatives, places, series, and the SKOS schemes."""
    w = _Writer(iris, iris.graph("lexicon"))
    formal = {e.key for e in lexicon.of("actor") if "GovernmentBody" in e.kinds}
    schemes = {"topic": ("topics", lexicon.topic_scheme.get("label", "Topics"), "Topic"),
               "speech-act": ("speech-acts", "Speech acts", "SpeechAct"),
               "status": ("statuses", "Legal and policy statuses", "Status")}
    for category, (name, label, _) in schemes.items():
        scheme = scheme_iri(iris, name)
        w.add(scheme, TYPE, ns(SKOS, "ConceptScheme"))
        w.labelled(scheme, label)
        if category == "topic" and lexicon.topic_scheme.get("definition"):
            w.add(scheme, ns(SKOS, "definition"), _en(lexicon.topic_scheme["definition"]))

    for entry in sorted(lexicon.entries.values(), key=lambda e: (e.category, e.key)):
        if entry.extra.get("reference"):
            continue  # reference data (countries): in a release's graph when it names them
        node = iris.thing(f"{entry.category}/{entry.key}")
        if entry.category in schemes:
            _concept(w, node, entry, schemes[entry.category], iris)
            continue
        kinds = entry.kinds or {"place": ("Place",), "series": ("DialogueSeries",)}[entry.category]
        w.typed(node, *_classes(kinds))
        w.labelled(node, entry.label, entry.aliases)
        w.pk(node, "curation", iris.term("Curated"))
        if "Country" in kinds:
            _country(w, f"actor/{entry.key}", entry.label, "en", iris.term("Curated"))
        for same in entry.same_as:  # no owl:sameAs: our record data stays ours
            w.add(node, ns(SCHEMA, "sameAs"), NamedNode(same))
        extra = entry.extra
        if extra.get("unit_of"):
            w.add(node, _unit_predicate({"GovernmentBody"} if extra["unit_of"] in formal
                                        else set()), iris.thing(f"actor/{extra['unit_of']}"))
        if extra.get("of"):
            w.pk(node, "initiativeOf", iris.thing(f"actor/{extra['of']}"))
        if extra.get("adopted_as"):  # a proposal → the act it became: one IRI per stage
            w.pk(node, "adoptedAs", iris.thing(f"initiative/{extra['adopted_as']}"))
        if extra.get("celex"):
            w.add(node, ns(ELI, "id_local"), Literal(str(extra["celex"])))
        if extra.get("country"):
            w.pk(node, "inCountry", territory(iris, f"actor/{extra['country']}"))
        if extra.get("iso3166"):
            w.add(node, ns(DCTERMS, "identifier"), Literal(f"ISO 3166-1:{extra['iso3166']}"))
    return w.quads


def _concept(w: _Writer, node: NamedNode, entry: Entry, scheme: tuple[str, str, str],
             iris: Iris) -> None:
    extra = entry.extra
    scheme_node = scheme_iri(iris, scheme[0])
    w.typed(node, scheme[2])
    w.labelled(node, entry.label, entry.aliases)
    w.add(node, ns(SKOS, "inScheme"), scheme_node)
    if extra.get("definition"):
        w.add(node, ns(SKOS, "definition"), _en(extra["definition"]))
    if extra.get("broader"):
        broader = iris.thing(f"{entry.category}/{extra['broader']}")
        w.add(node, ns(SKOS, "broader"), broader)
        w.add(broader, ns(SKOS, "narrower"), node)
    else:
        w.add(node, ns(SKOS, "topConceptOf"), scheme_node)
        w.add(scheme_node, ns(SKOS, "hasTopConcept"), node)
    for prop in ("close_match", "broad_match"):
        for target in extra.get(prop) or ():
            w.add(node, ns(SKOS, "closeMatch" if prop == "close_match" else "broadMatch"),
                  NamedNode(target))
    if entry.category == "topic":
        w.pk(node, "curation", iris.term("Curated"))


# ---------------------------------------------------------------- ontology graph

def ontology_quads(iris: Iris) -> list[Quad]:
    """The ontology, its alignments and its declarations (``ontology.FILES``) in the
    ontology graph; blank nodes (its OWL lists) labelled by RDFC-1.0, as anyone labels
    them who has the same triples (the parser's labels are random): graph/dumps.py."""
    graph = iris.graph("ontology")
    return with_canonical_blank_nodes(
        [Quad(t.subject, t.predicate, t.object, graph)
         for path in ontology.FILES for t in parse(path=path, format=RdfFormat.TURTLE)])
