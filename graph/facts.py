"""The facts a release states, as plain typed data: the stage between the document model
and RDF. ``policykg extract`` prints it as JSON so extraction can be debugged without RDF.

Entities are referred to by id ``{kind}/{slug}`` (``actor/japan``); the RDF stage turns an
id into ``{base}id/{id}``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Evidence:
    """A span of the release text: [start, end) in code points, and the quote itself."""

    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class Inferred:
    """A fact no text states in so many words: the rule (graph/extract/inference.py) that
    concluded it, and the span of text the rule read."""

    rule: str
    evidence: Evidence


@dataclass
class Entity:
    id: str
    label: str
    kinds: list[str]
    curated: bool
    aliases: list[str] = field(default_factory=list)
    evidence: Evidence | None = None  # first mention, for discovered entities
    identifiers: list[str] = field(default_factory=list)  # "ISO 3166-1:DE"
    described: bool = False  # an unnamed initiative described by a phrase, not a name
    rule: str | None = None  # the inference rule that made it, for an entity no text names


@dataclass
class Mention:
    entity: str
    evidence: Evidence
    statement: int | None = None  # number of the statement it occurs in


@dataclass
class Statement:
    number: int
    speakers: list[str]
    attribution: str
    act: str
    meeting: str | None  # None when the release's meeting was not understood (a gap)
    topics: list[str]
    content: str
    evidence: Evidence
    mentions: list[str] = field(default_factory=list)
    responds_to: int | None = None
    # the release's own words (its publisher's: "MIC will continue …"), not a speech act
    # of the parties at the meeting; `speakers` is then the publisher and `meeting` None
    release_voice: bool = False


@dataclass
class Relation:
    """subject predicate object|value, as the text states it (predicate: a pk: local name)."""

    subject: str
    predicate: str
    evidence: Evidence
    object: str | None = None
    value: str | None = None
    datatype: str | None = None  # xsd local name for value
    # the inference rule (graph/extract/inference.py) that made it, when the text does not
    # say it in so many words; the evidence is then the span the rule read
    rule: str | None = None


@dataclass
class AgendaItem:
    position: int
    topic: str
    evidence: Evidence


@dataclass
class Meeting:
    id: str
    label: str
    series: str
    edition: int | None
    date: str
    place: str | None
    mode: str | None
    organisers: list[str]
    evidence: Evidence
    agenda: list[AgendaItem] = field(default_factory=list)
    end_date: str | None = None  # the last day, when the meeting ran over several
    participants: list[str] = field(default_factory=list)  # people named as attending
    # the fields the extractor inferred ("mode", "date") → the rule and the span it read
    inferred: dict[str, Inferred] = field(default_factory=dict)


@dataclass
class Contact:
    organisation: str | None
    telephone: str | None
    fax: str | None
    url: str | None
    email: str | None
    evidence: Evidence


@dataclass
class Gaps:
    """What extraction did not understand (graph/extract/gaps.py)."""

    missing: list[str] = field(default_factory=list)
    silent_sentences: list[Evidence] = field(default_factory=list)
    unknown_verbs: list[str] = field(default_factory=list)
    unresolved_speakers: list[Evidence] = field(default_factory=list)
    # capitalised names of several words that became no entity ("the Asia Pacific Digital
    # Hub"): the lexicon or the name heads may lack them
    untyped_names: list[Evidence] = field(default_factory=list)
    coverage: float = 1.0  # share of result sentences that gave at least one statement


@dataclass
class ReleaseFacts:
    id: str
    title: str
    published: str
    language: str
    source_url: str | None
    publisher: str | None
    rights: str | None
    text: str
    meetings: list[Meeting] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    gaps: Gaps = field(default_factory=Gaps)

    def to_json_dict(self, include_text: bool = False) -> dict:
        data = asdict(self)
        if not include_text:
            data["text"] = f"<{len(self.text)} characters>"
        return data
