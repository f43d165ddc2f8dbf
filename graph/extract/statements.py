"""Statements: who (as written and resolved) did which speech act, in which clause.

A sentence may hold several statements: "The EU explained its budget … and both sides
exchanged views …" is two; "Japan introduced X, and also explained Y" is two by one
speaker; ", pointing out …" adds one by the same speaker; "an explanation of … by Japan"
is one whose speaker follows the noun; a sentence with no subject ("As well as explaining
about …") takes the speaker of the sentence after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..lexicon import Entry
from .names import Name
from .quotes import Quote, find_quote
from .registry import Registry

_LEAD_INS = re.compile(r"(?:In addition|Additionally|Furthermore|Moreover|Also|Finally|Then),\s+")
_GERUND_OPENERS = re.compile(r"(?:As well as|In addition to|Besides|After|While|Following)\s+$")


@dataclass
class Clause:
    start: int
    end: int
    verb_end: int
    act: Entry
    speakers: list[str]
    attribution: str
    nominal: bool = False
    subject: tuple[int, int] | None = None  # where the speaker is named in the clause
    release_voice: bool = False  # the release's own words (graph/extract/voice.py)


@dataclass(frozen=True)
class _Verb:
    start: int
    end: int
    kind: str  # finite | gerund | participle | nominal | speakerless | modal
    act: Entry


_WILL = re.compile(r"\bwill\s+(?:(?:also|further|continue\s+to|jointly|closely|each)\s+)*"
                   r"(?!be\b|have\b|not\b)[a-z]+\b")


def _verbs(text: str, start: int, end: int, registry: Registry,
           results: bool = True) -> list[_Verb]:
    """The speech-act verbs of the lexicon, and in the results part "will <verb>" for the
    act that takes any (a commitment, "They will also coordinate …") where no listed verb
    stands (in an intro it is the release's summary: "Japan and the EU will build on …")."""
    pattern, forms = registry.lexicon.verb_pattern
    found = [_Verb(m.start(), m.end(), *forms[m.group(0).lower()])
             for m in pattern.finditer(text, start, end)]
    act = next((e for e in registry.lexicon.of("speech-act") if e.extra.get("modal_any")), None)
    if act is not None and results:
        found += [_Verb(m.start(), m.end(), "modal", act) for m in _WILL.finditer(text, start, end)
                  if not any(v.start < m.end() and m.start() < v.end for v in found)]
    return sorted(found, key=lambda v: v.start)


def _framing(registry: Registry) -> str:
    """"The following topics were discussed": a subject that frames, names no statement."""
    return "|".join(re.escape(f) for f in registry.lexicon.genre["framing_subjects"])


def _strip_adverbs(text: str, start: int, end: int, adverbs: list[str]) -> int:
    """Move `end` left past white space, adverbs such as "also", an acronym in brackets, an
    appositive (", which will hold the G7 Presidency in 2024,"), an aside (", for its part,",
    ", on behalf of the Commission,") and the colon (or a table's cell separator) after a
    side's label."""
    changed = True
    while changed:
        changed = False
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start and text[end - 1] in ":：|":  # "Costa Rican side: Described …", and
            end, changed = end - 1, True            # a table's row "Japanese side | Presented"
            continue
        acronym = re.search(r"\s*\([A-Za-z][\w&.-]{1,14}\)$", text[start:end])
        if acronym:  # "The National Communications Authority (NCA) presented …"
            end, changed = start + acronym.start(), True
            continue
        if end > start and text[end - 1] == ",":
            m = re.search(r",\s+(?:which|who|as|being|having|with|for (?:its|their|his|her) "
                          r"part|on (?:its|their|his|her) part|in (?:turn|response|reply|return)"
                          r"|on behalf of)\b[^,]*,$", text[start:end])
            if m:
                end, changed = start + m.start(), True
                continue
        for adverb in adverbs:
            if text[start:end].endswith(" " + adverb) or text[start:end] == adverb:
                end -= len(adverb)
                changed = True
                break
    return end


def _subject(text: str, start: int, end: int, names: list[Name], parties: list[str],
             registry: Registry, previous: list[str],
             quoted: list[str] | None = None) -> tuple[int, list[str]] | None:
    """The subject ending at `end`: a joint phrase, a pronoun for the previous speakers, an
    actor, or "X and (the) Y"; inside a quote, "we"/"I" for the quoted speaker."""
    genre = registry.lexicon.genre
    before = text[start:end]
    for pronoun in genre["quotes"]["first_person"] if quoted else ():
        if re.fullmatch(rf"(?:(?:and|but|while|,)\s+)?{pronoun}", before.strip().lower()):
            return end - len(pronoun), list(quoted)
    for phrase in sorted(genre["joint_speakers"], key=len, reverse=True):
        if before.lower().endswith(phrase) and (len(before) == len(phrase)
                                                 or not before[-len(phrase) - 1].isalnum()):
            return end - len(phrase), list(parties)
    for phrase in sorted(genre["partner_speakers"], key=len, reverse=True):  # not the home
        if before.lower().endswith(phrase) and (len(before) == len(phrase)
                                                 or not before[-len(phrase) - 1].isalnum()):
            home = {f"{e.category}/{e.key}" for e in map(registry.lexicon.lookup,
                                                           genre["home_parties"]) if e}
            return end - len(phrase), [p for p in parties if p not in home]
    for pronoun in genre["pronoun_speakers"]:
        if previous and re.fullmatch(rf"(?:(?:and|but|while|,)\s+)?{pronoun}",
                                     before.strip().lower()):
            return end - len(pronoun), list(previous)
    titles = "|".join(re.escape(w) for w in sorted(genre["post_leads"] + genre["holder_titles"],
                                                    key=len, reverse=True))
    titled = re.search(rf"(?:^|\s)[Tt]he\s+({titles})$", before)
    holder = registry.holder(titled.group(1)) if titled else None
    if holder is not None:  # "The Commissioner noted …": the one person of that post
        return start + titled.end() - len(titled.group(0).lstrip()), [holder]
    actors = [n for n in names if not n.nested and registry.is_actor(n.entity)
              and start <= n.start and n.end <= end]
    sides = "|".join(re.escape(w) for w in genre["side_subjects"])
    # "the Japan side", "the MIC delegation", "the Commission's delegation"
    side = re.search(rf"(?:['’]s)?\s+(?:{sides})$", before)
    last = next((n for n in reversed(actors) if n.end == end
                 or side and n.end == start + side.start()), None)
    if last is None:
        return None
    speakers, first = [last.entity], last.start
    owner = re.search(r"(?:\s*\([A-Z][A-Za-z0-9&-]{1,11}\))?\s+of\s+(?:the\s+)?$",
                      text[start:last.start])
    if owner:  # "The Undersecretariat of Connectivity (SUBCON) of MinTIC": the body of it
        body = next((n for n in reversed(actors) if n.end == start + owner.start()), None)
        if body is not None:
            return _with_article(text, start, body.start), [body.entity]
    pair = re.search(r"(?:\s+and\s+(?:the\s+)?)$", text[start:last.start])  # not ", and"
    if pair:
        prior = next((n for n in reversed(actors) if n.end == start + pair.start()), None)
        if prior is not None:
            speakers, first = [prior.entity, last.entity], prior.start
    return _with_article(text, start, first), speakers


def _with_article(text: str, start: int, first: int) -> int:
    det = re.search(r"(?:The|the)\s+$", text[start:first])
    return start + det.start() if det else first


def _side_prefix(text: str, start: int, end: int, names: list[Name],
                 registry: Registry) -> Name | None:
    """"On the EU side, …": the side that speaks in a sentence whose verb is passive."""
    m = re.compile(r"(?:On|For|From)\s+(?:the\s+)?(.+?)(?:\s+side)?,\s").match(text, start, end)
    if not m:
        return None
    return next((n for n in names if not n.nested and registry.is_actor(n.entity)
                 and m.start(1) <= n.start and n.end <= m.end(0)), None)


def label_speakers(text: str, start: int, end: int, names: list[Name], parties: list[str],
                   registry: Registry) -> list[str]:
    """Who a side's label ("Japanese side:", "Both sides:", "[MIC]", "Partner side:")
    names: read as the subject it stands for, else the actors it names ("Japan side")."""
    subject = _subject(text, start, end, names, parties, registry, [])
    if subject is not None:
        return subject[1]
    return [n.entity for n in names if not n.nested and registry.is_actor(n.entity)
            and start <= n.start and n.end <= end]


def find_clauses(text: str, start: int, end: int, names: list[Name], parties: list[str],
                 registry: Registry, previous: list[str] | None = None, results: bool = True,
                 label: list[str] | None = None,
                 quoted: list[str] | None = None) -> tuple[list[Clause], list[Clause]]:
    """The statement clauses of one sentence, and those still waiting for a speaker.
    `previous` are the speakers of the sentence before, for "They"/"It"; `results`: the
    sentence is in the results part, not a sectioned release's intro; `label`: the side
    whose label the sentence is a bullet under, the speaker of a verb that opens it
    ("- Explained the … strategy"); `quoted`: the speaker whose quoted words these are."""
    if quoted is None and results:
        quote = find_quote(text, start, end, registry.lexicon.genre)
        said = None if quote is None else _quoted(text, start, end, quote, names, parties,
                                                  registry, previous or [])
        if said is not None:
            return said, []
    adverbs = registry.lexicon.genre["subject_adverbs"]
    lead = _LEAD_INS.match(text, start)
    cursor = lead.end() if lead else start
    clauses: list[Clause] = []
    pending: list[Clause] = []
    speakers: list[str] = []
    attribution = ""
    for verb in _verbs(text, start, end, registry, results):
        if verb.start < cursor:
            continue
        if verb.kind == "finite" and re.search(r"\b(?:an?|the)\s+$", text[cursor:verb.start],
                                                re.IGNORECASE):  # "An update on X by Y"
            verb = _Verb(verb.start, verb.end, "nominal", verb.act)
        stop = _strip_adverbs(text, cursor, verb.start, adverbs)
        clause_start, subject_span = None, None
        passive = re.search(r"\b(?:was|were|has been|have been|had been)\s+(?:also\s+|then\s+)?$",
                            text[cursor:verb.start])
        if passive and verb.kind in ("finite", "participle"):
            agent = _agent(text, verb.end, end, names, registry) \
                or _side_prefix(text, start, end, names, registry)
            if agent is not None:
                clause_start, speakers = cursor, [agent.entity]
                attribution = text[agent.start:agent.end]
                subject_span = (agent.start, agent.end)
            elif parties and _by_joint(text, verb.end, end, registry):
                clause_start, speakers, attribution = cursor, list(parties), ""
            elif label and cursor == start:  # "Japanese side: - The AI plan was explained"
                clause_start, speakers, attribution = cursor, list(label), ""
            elif (verb.act.extra.get("agentless_joint") or _impersonal(text, cursor, verb)) \
                    and parties and not re.match(_framing(registry), text[cursor:verb.start],
                                                 re.I):
                clause_start, speakers, attribution = cursor, list(parties), ""
        elif verb.kind in ("finite", "participle") and _reduced_passive(text, cursor, verb):
            continue  # "… the Framework, adopted by the Authority in 2025": what it is
        elif verb.kind in ("finite", "participle", "modal"):
            subject = _subject(text, cursor, stop, names, parties, registry, previous or [],
                               quoted)
            if subject is not None and clauses \
                    and re.fullmatch(r"\s*that\s+", text[cursor:subject[0]]):
                continue  # "It was noted that the two ministries signed …": what was noted
            if subject is not None:
                clause_start, speakers = subject
                attribution = text[clause_start:stop]
                subject_span = (clause_start, stop)
            elif speakers and re.search(r"(?:,|\band)$" if verb.kind != "modal"
                                        else r"\band$", text[cursor:stop]):
                clause_start = _after_connective(text, cursor, stop)
            elif label and cursor == start and not text[start:stop].strip():
                clause_start, speakers, attribution = start, list(label), ""
        elif verb.kind == "speakerless" and parties:
            clause_start, speakers, attribution = verb.start, list(parties), ""
        elif verb.kind == "gerund":
            frame = _frame(text, cursor, verb.start, registry.lexicon.genre)
            subject = None if frame is None else _subject(
                text, cursor, _strip_adverbs(text, cursor, frame, adverbs), names, parties,
                registry, previous or [], quoted)
            if subject is not None:  # "The Commission opened by presenting …"
                clause_start, speakers = subject
                attribution = text[clause_start:frame].strip()
                subject_span = (clause_start, clause_start + len(attribution))
            elif speakers and re.search(r"(?:,|\band)$", text[cursor:stop]):
                clause_start = _after_connective(text, cursor, stop)
            elif not speakers and _GERUND_OPENERS.search(text[cursor:verb.start]):
                opener = _GERUND_OPENERS.search(text[cursor:verb.start])
                pending.append(Clause(cursor + opener.start(), end, verb.end, verb.act, [], ""))
                cursor = verb.end
                continue
        elif verb.kind == "nominal":  # "an explanation of X by Y", "an explanation by Y of X"
            agent = _agent(text, verb.start, end, names, registry)
            if agent is not None:
                clause_start, speakers = cursor, [agent.entity]
                attribution = text[agent.start:agent.end]
                subject_span = (agent.start, agent.end)
            elif label and cursor == start and not text[start:verb.start].strip():
                clause_start, speakers, attribution = start, list(label), ""  # "・Introduction
                # of the Digital Strategy" under "Japanese side"
        elif verb.kind == "passive-nominal":
            found = _passive_nominal(text, cursor, verb, end, names, parties, registry)
            _close(text, clauses, pending, cursor)
            clauses += found
            speakers = found[-1].speakers if found else speakers
            last = found[-1].subject if found else None  # the last agent: a later clause
            cursor = last[1] if last else verb.end      # ("…, and both sides agreed") follows
            continue
        if clause_start is None:
            continue
        _close(text, clauses, pending, clause_start)
        clauses.append(Clause(clause_start, end, verb.end, verb.act, list(speakers),
                              attribution, verb.kind == "nominal", subject_span))
        cursor = verb.end
    for clause in clauses + pending:
        clause.end = _trim_end(text, clause.start, clause.end)
    if clauses and pending:
        for clause in pending:
            clause.speakers, clause.attribution = clauses[0].speakers, clauses[0].attribution
        clauses = sorted(clauses + pending, key=lambda c: c.start)
        pending = []
    return clauses, pending


def _quoted(text: str, start: int, end: int, quote: Quote, names: list[Name],
            parties: list[str], registry: Registry, previous: list[str]) -> list[Clause] | None:
    """The statements of a quoting sentence (graph/extract/quotes.py): the acts of the
    quote's own words, its first person the speaker's, and the act of a reporting verb of
    the speech-act table; else the speaker's view (genre ``quotes.default_act``). None if
    the sentence names no speaker or its verb reports no speech."""
    genre = registry.lexicon.genre
    speakers = _quote_speaker(text, quote.speaker, names, registry, previous)
    if not speakers:
        return None
    act = None
    if quote.verb is not None:
        verb = " ".join(text[quote.verb[0]:quote.verb[1]].lower().split())
        form = registry.lexicon.verb_pattern[1].get(verb)
        if form is not None and form[0] in ("finite", "participle"):
            act = form[1]
        elif verb not in genre["quotes"]["reporting_verbs"]:
            return None
    clauses = []
    if quote.direct:  # each sentence of the quote ("Our networks … secure. We will …")
        for part in re.finditer(r"\S.*?(?:[.!?](?=\s)|$)", text[quote.words[0]:quote.words[1]]):
            clauses += find_clauses(text, quote.words[0] + part.start(),
                                    quote.words[0] + part.end(), names, parties, registry,
                                    speakers, quoted=speakers)[0]
    attribution = text[quote.speaker[0]:quote.speaker[1]] if quote.speaker else ""
    if act is None and not clauses:
        act = next(e for e in registry.lexicon.of("speech-act")
                   if e.key == genre["quotes"]["default_act"])
    if act is not None:
        clauses.append(Clause(start, _trim_end(text, start, end), start, act, speakers,
                              attribution, True, quote.speaker))
    return clauses


def _quote_speaker(text: str, span: tuple[int, int] | None, names: list[Name],
                   registry: Registry, previous: list[str]) -> list[str]:
    """Who is quoted: the person or body named ("Minister X"), the one holder of a post
    ("the Minister"), else, for a title several hold, "he"/"she" or no one named (a quote
    going on), the person quoted before."""
    if span is None:
        return list(previous) if previous and all(p.startswith("person/") for p in previous) \
            else []
    named = [n.entity for n in names if not n.nested and registry.is_actor(n.entity)
             and span[0] <= n.start and n.end <= span[1]]
    if named:
        return named[-1:]
    genre = registry.lexicon.genre
    words = re.sub(r"^[Tt]he\s+", "", text[span[0]:span[1]]).strip()
    holder = registry.holder(words) if words in genre["post_leads"] + genre["holder_titles"] \
        else None
    if holder is not None:
        return [holder]
    known = words in genre["post_leads"] + genre["holder_titles"] \
        or words.lower() in genre["pronoun_speakers"]
    return list(previous) if known and previous and all(
        p.startswith("person/") for p in previous) else []


def _reduced_passive(text: str, cursor: int, verb: _Verb) -> bool:
    """", adopted by the Authority of Heads of State": a past participle after a comma and
    before its agent qualifies the noun before it; no one speaks."""
    return re.search(r",\s*$", text[cursor:verb.start]) is not None \
        and text[verb.start:verb.end].endswith("ed") \
        and re.match(r"\s+by\b", text[verb.end:]) is not None


def _frame(text: str, cursor: int, at: int, genre: dict) -> int | None:
    """"The Commission opened by presenting …", "Japan responded by explaining …": where a
    verb of the speaker's turn (genre ``turn_verbs``) stands whose manner, "by <verb>ing",
    is the speech act."""
    verbs = "|".join(re.escape(w) for w in genre["turn_verbs"])
    m = re.compile(rf"\b(?:{verbs})\s+(?:(?:the|its|their)\s+\w+\s+)?by\s+$").search(
        text, cursor, at)
    return m.start() if m else None


def _by_joint(text: str, start: int, end: int, registry: Registry) -> bool:
    """"… were presented by both sides": a passive whose agent is the joint phrase."""
    joint = "|".join(re.escape(p) for p in registry.lexicon.genre["joint_speakers"])
    return re.compile(rf"\bby\s+(?:{joint})\b", re.IGNORECASE).search(text, start, end) \
        is not None


def _impersonal(text: str, cursor: int, verb: _Verb) -> bool:
    """"It was noted that …", "It was also stressed that …": a passive with no subject but
    "it" and no agent, said of the meeting as a whole, so of both sides."""
    return re.fullmatch(r"[Ii]t\s+(?:was|has been|had been)\s+(?:also\s+|further\s+)?",
                        text[cursor:verb.start]) is not None \
        and re.match(r"\s+(?:that|to)\b", text[verb.end:]) is not None


def _passive_nominal(text: str, start: int, verb: _Verb, end: int, names: list[Name],
                     parties: list[str], registry: Registry) -> list[Clause]:
    """"Explanations were given on X by MIC and on Y by the Ministry": one statement per
    agent, each over its own part; with no agent ("Explanations were also given on X in
    Japan and on Y in Greece"), one of both sides, as the release names no one side."""
    out: list[Clause] = []
    begin = start
    for agent in _agents(text, verb.end, end, names, registry):
        out.append(Clause(begin, agent.end, verb.end, verb.act, [agent.entity],
                          text[agent.start:agent.end], True, (agent.start, agent.end)))
        begin = agent.end + re.compile(r"[\s,]*(?:and\s+)?").match(text, agent.end).end() \
            - agent.end
    if not out:
        return [Clause(start, end, verb.end, verb.act, list(parties), "", True)] if parties \
            else []
    out[-1].end = end
    return out


def _close(text: str, clauses: list[Clause], pending: list[Clause], next_start: int) -> None:
    for clause in clauses[-1:] + pending[-1:]:
        if clause.end > next_start:
            clause.end = next_start


def _after_connective(text: str, cursor: int, stop: int) -> int:
    m = re.search(r"(?:,\s*and|,|\band)$", text[cursor:stop])
    begin = cursor + m.end()
    while begin < len(text) and text[begin].isspace():
        begin += 1
    return begin


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start:
        tail = text[start:end]
        m = re.search(r"(?:\s+|[.,;:]|,?\s+and)$", tail)
        if not m or m.end() == m.start():
            break
        end = start + m.start()
    return end


def _agent(text: str, start: int, end: int, names: list[Name], registry: Registry):
    """"… by Japan": the actor after "by" that a nominal speech act names as its speaker."""
    return next(_agents(text, start, end, names, registry), None)


def _agents(text: str, start: int, end: int, names: list[Name], registry: Registry):
    """Each actor after "by" between `start` and `end`, in order."""
    for name in names:
        if name.nested or not registry.is_actor(name.entity) or name.start < start:
            continue
        if name.start >= end:
            break
        if re.search(r"\bby\s+(?:the\s+)?$", text[start:name.start]):
            yield name


def content_of(text: str, clause: Clause) -> str:
    """What was said: the clause after its verb ("that", "about" dropped); for a nominal
    statement or the release's own words, the whole clause."""
    if clause.nominal or clause.release_voice:
        return " ".join(text[clause.start:clause.end].split())
    rest = " ".join(text[clause.verb_end:clause.end].split())  # a masked marker's spaces
    return re.sub(r"^(?:that|about|regarding|on|of)\s+", "", rest)
