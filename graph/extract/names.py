"""Finding names in a span of text: the lexicon's known names, and capitalised names of
initiatives, laws, events and organisations the lexicon lacks (discovered by their head
word: "… Act", "… Summit", "the NOTICE project")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lemminflect import getAllLemmas

from ..dates import MONTHS, WEEKDAYS
from ..facts import Evidence
from ..lexicon import Lexicon
from .gazetteer import City, find_cities
from .registry import Registry, slugify

# A word; a possessive "'s" is part of it only inside a name ("the Overseas Development of
# Japan's ICT …"), not before a common noun ("the Digital Agency's work"); a plural's
# apostrophe is ("G7 Digital and Tech Ministers' Meeting")
_TOKEN = re.compile(r"\d{1,2}\.\d(?!\d|\.\d)|"  # a version: "Society 5.0", "Web 3.0"
                    r"[^\W_](?:[^\W_]|[&-]|['’](?!s(?![^\W\d_]))(?=[^\W\d_]))*"
                    r"(?:['’]s(?=\s+[A-Z0-9À-ÖØ-Þ])|(?<=s)['’](?![^\W\d_]))?|&")  # "España Digital"
_DATE_WORDS = set(MONTHS) | set(WEEKDAYS)
# "Department for Science, Innovation and Technology (DSIT)": an official name with commas,
# bound by the acronym that follows it or by the sentence's end ("… Ministry for the
# Economy, Finance and Industrial and Digital Sovereignty.", "Ministry of Investments,
# Regional Development and Informatization of the Slovak Republic (MIRRI)")
_COMMA_NAME = re.compile(r"(?:, [A-Z][\w&-]*(?: [A-Z][\w&-]*)*)+,? and (?:the )?"
                         r"[A-Z][\w&-]*(?: (?:and |of (?:the )?)?[A-Z][\w&-]*)*(?![\w&-])")
_YEAR = re.compile(r"(?:19|20)\d{2}")
_YEARS = re.compile(r"\d+(?:[-–]\d{2,4})?")  # "Strategy 2030", "Plan 2021-2025"
_VERSION = re.compile(r"\d{1,2}\.\d")  # "Data Strategy 2.0"
# A coined word: a lower-case prefix before a capital ("e-Residency", "eSafety") or a lone
# capital joined by a hyphen ("X-Road", "L-Alert", "Manufacturing-X")
_COINED = re.compile(r"[a-z]{1,2}-?[A-Z][\w-]*|[A-Z]-[A-Z]?[a-z][\w-]*|[A-Z][a-z]+-[A-Z]")
_QUOTED = re.compile(r"[\"“]([^\"”\n]{3,150})[\"”]")


def _numbered_tail(words: list[str], at: int, tail_words: set[str]) -> int:
    """Where a name ends after its head: past years ("Strategy 2030", "Plan 2021-2025") and
    a numbered stage ("Network Phase 2", "Programme Stage II")."""
    while at < len(words):
        if _YEARS.fullmatch(words[at]) or _VERSION.fullmatch(words[at]):
            at += 1
        elif words[at] in tail_words and at + 1 < len(words) \
                and re.fullmatch(r"\d{1,2}(?:\.\d)?|[IVX]{1,4}", words[at + 1]):
            at += 2
        else:
            break
    return at


@dataclass(frozen=True)
class Name:
    """A name found in the text, resolved to an entity id. Nested names sit inside another."""

    start: int
    end: int
    entity: str
    nested: bool = False


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    label: str
    kind: str


def evidence(text: str, start: int, end: int) -> Evidence:
    return Evidence(start, end, text[start:end])


def proposal_cued(text: str, start: int, at: int, genre: dict) -> bool:
    """Whether the word before text[at:] calls what follows a proposal ("the proposed …",
    "a draft …"; genre.yaml proposal_cues), not looking back past `start`."""
    before = text[max(start, at - 12):at].split()
    return bool(before) and before[-1] in genre["proposal_cues"]


def capitalised_runs(text: str, start: int, end: int, connectors: set[str]):
    """Maximal runs of capitalised tokens (with small connectors inside) as token lists."""
    run: list[re.Match[str]] = []
    for token in _TOKEN.finditer(text, start, end):
        word = token.group(0)
        capital = word[0].isupper() or word[0].isdigit() or bool(_COINED.fullmatch(word))
        adjacent = bool(run) and text[run[-1].end():token.start()] == " "
        if run and adjacent and (capital or word in connectors):
            if run[-1].group(0) == "and" and word in connectors and word != "the":
                yield run[:-1]  # "Open RAN and on the …": two phrases joined, not one name
                run = []
                continue
            run.append(token)
            continue
        if run:
            yield run
        run = [token] if capital else []
    if run:
        yield run


def _head_candidates(text: str, start: int, end: int, genre: dict, known: list,
                     series: set[str], known_countries: frozenset[str],
                     places: frozenset[str] = frozenset(),
                     seen: frozenset[str] = frozenset(),
                     adjectives: frozenset[str] = frozenset(),
                     verbs: frozenset[str] = frozenset()) -> list[_Candidate]:
    """Capitalised runs named by a head word ("… Act", "Act on …"); failing that, runs of
    three or more capitalised words inside a sentence ("the European Digital Identity
    Wallet"), which name an initiative of no stated kind. A speech-act verb opening the
    sentence or following a side's label (`verbs`: a bullet with no subject, "Introduced
    the Open RAN Lab", "Partner side: Presented the …") is no part of a name."""
    heads: dict[str, str] = genre["name_heads"]
    connectors = set(genre["name_connectors"])
    determiners = {d.capitalize() for d in genre["determiners"]} | set(genre["determiners"])
    leading = set(genre["leading_heads"])
    series_heads = set(genre["series_heads"]) - set(heads)
    posts = set(genre["post_words"])
    groups = set(genre["people_groups"])
    found = []
    runs = list(capitalised_runs(text, start, end, connectors))
    while runs:
        run = runs.pop(0)
        if run and run[0].group(0).lower() in verbs \
                and re.fullmatch(r"|.*[:：|]\s*", text[start:run[0].start()]):
            run = run[1:]
        if run and run[0].group(0) in groups:  # "Officials of the Embassy of …": the Embassy
            run = run[1:]
        while run and (run[0].group(0) in determiners or run[0].group(0) in connectors
                       or re.search(r"['’]s$", run[0].group(0)) and len(run) > 2):
            run = run[1:]  # "Germany's Gigabit Strategy 2030": the owner is not in the name
        while run and run[-1].group(0) in connectors:
            run = run[:-1]
        run = _after_known(run, known, connectors, seen)
        after = _series_end(text, run, series_heads, series)
        if after is not None:  # "… Joint Working Group with the Department of …"
            run = run[after + 1:]
            while run and (run[0].group(0) in determiners or run[0].group(0) in connectors):
                run = run[1:]
            run = _after_known(run, known, connectors, seen)  # "… in Montevideo with the …"
        run, *rest = _year_ends(run, connectors)
        runs[0:0] = rest
        run, *others = _split_joined(run, known, heads, leading)
        runs[0:0] = others
        cut = next((i for i, t in enumerate(run) if t.group(0) in _DATE_WORDS
                    or t.group(0) in ("in", "at") and i + 1 < len(run)
                    and (_is_place(run[i + 1].start(), known)
                         or run[i + 1].group(0) in adjectives
                         or any(re.match(rf"{re.escape(p)}(?![\w-])", text[run[i + 1].start():])
                                for p in places))), None)
        if cut is not None:  # "… on October 1", "… in Tokyo", "… in Japanese towns": a
            # date, a place or a country's adjective ends a name ("Embassy of Japan in
            # Germany" goes on)
            run = run[:cut]
            while run and run[-1].group(0) in connectors:
                run = run[:-1]
        run = _after_post(run, posts, heads)
        words = [t.group(0) for t in run]
        if _posts_in(words, posts):
            continue  # "Vice-Minister for Policy Coordination": a post, not a thing
        if len(words) < 2 or re.fullmatch(r"\d+(?:st|nd|rd|th)", words[0]):
            continue
        written = text[run[0].start():run[-1].end()]
        if any(written.endswith(name) or written in name for name in series):
            continue  # a meeting's series ("ASEAN-Japan Digital Forum", "the Joint Working
            # Group"), not an event
        body = words[0] in leading and heads[words[0]] in ORGANISATION_HEAD_KINDS
        head_at = max((i for i, w in enumerate(words) if w in heads and i > 0 and not (
            body and heads[w] not in ORGANISATION_HEAD_KINDS)), default=None)
        complemented = next((i for i, w in enumerate(words[:head_at or 0]) if w in heads
                             and i > 0 and words[i + 1] in ("for", "on")), None)
        if not body and complemented is not None:  # "AI Utilisation Guidelines for Network
            head_at = complemented  # Services": the later head is in the first's complement
        joint = None if body or head_at is None else next(
            (i for i in range(head_at - 1, 1, -1)
             if words[i] == "and" and words[i + 1] == "the"), None)
        if joint is not None:  # "Horizon Europe and the Digital Europe Programme": two names
            runs.insert(0, run[joint + 2:])
            run, words = run[:joint], words[:joint]
            head_at = max((i for i, w in enumerate(words) if w in heads and i > 0),
                          default=None)
        # "Directorate-General of Communications Policy", "Bureau of … Digital Policy": a
        # body whatever the thing its name ends with
        if not body and words[0] in leading and len(words) >= 3 \
                and words[1] in ("on", "of", "for"):
            tail, kind = len(words), heads[words[0]]  # "Act on … Platform Countermeasures"
        elif head_at is not None:
            tail = _numbered_tail(words, head_at + 1, set(genre["name_tail_words"]))
            kind = heads[words[head_at]]
            tail = _continued(words, tail, connectors, known_countries,
                              set(heads) if kind in ORGANISATION_HEAD_KINDS else None)
        elif words[0] in leading and len(words) >= 3:
            tail, kind = len(words), heads[words[0]]
        elif set(words) & set(genre["period_words"]):
            continue  # "Fiscal Year 2025": a period
        elif words[_unheaded_end(words) - 1] in genre["region_words"]:
            continue  # "Central Europe and East Asia", "the Pacific Coast": regions
        elif _dated_name(words) or _versioned(words[:_unheaded_end(words)]) or (
                run[0].start() > start and not _honoured(text, run[0].start(), genre)
                and not re.search(rf"\b(?:{'|'.join(map(re.escape, posts))}),\s+$",
                                  text[max(start, run[0].start() - 40):run[0].start()])
                and len([
                    t for t in run[:_unheaded_end(words)] if t.group(0) not in connectors
                    and not any(m.start <= t.start() < m.end for m in known)])
                >= (2 if _after_the(text, run[0].start(), adjectives,
                                    words[:_unheaded_end(words)], genre) else 3)):
            tail, kind = _unheaded_end(words), "Initiative"
            if tail < len(run) and words[tail] == "and":  # "the A Hub and the Digital B"
                runs.insert(0, run[tail + 1:])
        else:
            continue
        if all(any(m.start <= t.start() < m.end and text[m.start:m.end] not in leading
                   for m in known)
               for t in run[:tail] if t.group(0) not in connectors):
            continue  # "DG CONNECT of the European Commission": known names, composed (a
            # bare head the lexicon knows, "Commission", is no name of its own here)
        s, e = run[0].start(), run[tail - 1].end()
        if tail == len(run) and kind in ORGANISATION_HEAD_KINDS:
            # "Ministry of Economy, Innovation, Digital Technologies and Energy": one body,
            # unless a known name is among the words ("the Ministry of X, Japan and the EU")
            # other than its own country ("… and Telecommunications of Costa Rica")
            comma = _COMMA_NAME.match(text, e, end)
            if comma and not any(e <= m.start < comma.end() and not re.search(
                    r"\bof\s+(?:the\s+)?$", text[e:m.start]) for m in known):
                e = comma.end()
        if kind in genre["law_kinds"] and proposal_cued(text, start, s, genre):
            kind = genre["proposal_kind"]
        found.append(_Candidate(s, e, text[s:e], kind))
    return found


def _dated_name(words: list[str]) -> bool:
    """Two capitalised words or more and a year: a plan's or vision's name ("Smart
    Bangladesh 2041")."""
    return (len(words) >= 3 and _YEAR.fullmatch(words[-1]) is not None
            and all(w[0].isupper() for w in words[:-1]))


def _year_ends(run: list[re.Match[str]], connectors: set[str]) -> list[list[re.Match[str]]]:
    """"… 2025 and for the Smart Islands Connect 2041": a year ends a name; what follows
    its connector may be another."""
    for i, token in enumerate(run[:-1]):
        if _YEAR.fullmatch(token.group(0)) and run[i + 1].group(0) in connectors:
            return [run[:i + 1], run[i + 1:]]
    return [run]


def _unheaded_end(words: list[str]) -> int:
    """Where a name with no head word ends: before "with the", "to the", "against the" or
    "and the", which join two names ("link South America with the Asia-Pacific region",
    "the Athens Innovation Hub and the Digital Agora") rather than make one ("Data Free
    Flow with Trust")."""
    return next((i for i, w in enumerate(words[:-1]) if w in ("with", "to", "against", "and")
                 and words[i + 1] == "the"), len(words))


def _versioned(words: list[str]) -> bool:
    """Capitalised words and a version: "Society 5.0", "Data Strategy 2.0", "Web 3.0"."""
    return len(words) >= 2 and _VERSION.fullmatch(words[-1]) is not None \
        and all(w[0].isupper() for w in words[:-1])


def _after_the(text: str, at: int, adjectives: frozenset[str], words: list[str],
               genre: dict) -> bool:
    """A run of words right after "the" inside a sentence ("the Government Cloud", "the
    Digital Agora"): a name of two words is enough there, unless it opens with a country's
    adjective ("the Estonian Government"), has a number ("the 700 MHz band", "the G7
    Presidency"), ends with a word of a region or group ("the Amazon Region", "the Member
    States": genre.yaml region_words) or of the meeting and its record ("the Joint
    Statement", "the Press Release", "the Opening Ceremony": record_words)."""
    return len(words) >= 2 and bool(re.search(r"(?<!^)\bthe\s+$", text[max(0, at - 5):at])) \
        and words[0] not in adjectives and all(w.replace("-", "").isalpha() for w in words[:2]) \
        and words[1] not in genre["region_words"] and words[-1] not in genre["record_words"]


def _honoured(text: str, at: int, genre: dict) -> bool:
    """Whether an honorific stands before text[at:] ("Ms. Nur Aisyah Hamid": a person)."""
    before = text[max(0, at - 12):at]
    return any(re.search(rf"(?<![\w.]){re.escape(h)}\s+$", before) for h in genre["honorifics"])


def _after_known(run: list[re.Match[str]], known: list, connectors: set[str],
                 seen: frozenset[str]) -> list[re.Match[str]]:
    """"provided by JICA to the Konza Data Centre Project": a known name (the lexicon's, or
    one the release gave before), then a small word other than of/and/for, opens no name;
    what follows may be one."""
    if not run:
        return run
    first = next((m.end for m in known if m.start == run[0].start()),
                 run[0].end() if run[0].group(0) in seen else None)
    if first is None:
        return run
    rest = [t for t in run if t.start() >= first]
    if len(rest) > 1 and rest[0].group(0) in connectors - {"of", "and", "&", "for", "the"}:
        rest = rest[1:]
        return rest[1:] if rest[0].group(0) == "the" else rest
    return run


def _after_post(run: list[re.Match[str]], posts: set[str], heads: dict[str, str]
                ) -> list[re.Match[str]]:
    """"Head of the Department for Digital Transformation", "Deputy Minister Agnė Vaiciukevičiūtė
    of the Ministry of …": the body after the "of" that follows a post; after the "of"
    right before the body's head word when the post has an "of" of its own ("Vice-Minister
    of Communications of the Ministry of …")."""
    words = [t.group(0) for t in run]
    if not _posts_in(words, posts):
        return run
    ofs = [i for i, word in enumerate(words[:-1]) if word == "of" and set(words[:i]) & posts]
    headed = [i for i in ofs if (words[i + 2] if words[i + 1] == "the" and i + 2 < len(words)
                                 else words[i + 1]) in heads]
    for i in headed[:1] + ofs:
        if any(w in heads for w in words[i + 1:]):
            rest = run[i + 2:] if words[i + 1] == "the" else run[i + 1:]
            if not _posts_in([t.group(0) for t in rest], posts):
                return rest
    return run


def _posts_in(words: list[str], posts: set[str]) -> bool:
    """Whether the words hold a post, other than as what a body is of ("Council of
    Ministers", "Office of the Prime Minister")."""
    return any(w in posts and not (i and words[i - 1] == "of"
                                   or i > 1 and words[i - 2:i] == ["of", "the"]
                                   or i > 1 and words[i - 1] in posts)
               for i, w in enumerate(words))


def _series_end(text: str, run: list[re.Match[str]], plain_heads: set[str],
                series: set[str]) -> int | None:
    """Where a meeting's series ends inside a run, so that what follows is a name of its
    own: after a head ending a series the release reports, or after a head that names no
    thing by itself ("Dialogue", "Committee") behind paired sides ("Japan-UK …")."""
    begin = run[0].start() if run else 0
    for i in range(len(run) - 1, -1, -1):
        if any(text[begin:run[i].end()].endswith(name) for name in series):
            return i
    after = max((i for i, t in enumerate(run) if t.group(0) in plain_heads), default=None)
    paired = any(re.fullmatch(r"[A-Z][\w.]*(?:[-–][A-Z][\w.]*)+", t.group(0))
                 for t in run[:after])
    return after if paired else None


def _split_joined(run: list[re.Match[str]], known: list, heads: dict[str, str],
                  leading: set[str]) -> list[list[re.Match[str]]]:
    """Two names joined by "and": "the Digital Agency of Japan and the European
    Commission" (a known name after), "MIC and the Ministry of Economy" (a known body
    before), "the National Broadband Plan and the Free Wi-Fi for All Program" (each part
    with a head of its own); "Ministry of Science and ICT" stays one."""
    starts = {m.start for m in known}
    bodies = {m.end for m in known if m.entry.category == "actor"}
    for i in range(1, len(run) - 1):
        if run[i].group(0) != "and":
            continue
        j = i + 2 if run[i + 1].group(0) == "the" and i + 2 < len(run) else i + 1
        before, after = run[:i], run[j:]
        headed = (before[-1].group(0) in heads or _YEARS.fullmatch(before[-1].group(0))
                  and any(t.group(0) in heads for t in before[1:])) \
            and (after[-1].group(0) in heads or after[0].group(0) in leading)
        if run[j].start() in starts or run[i - 1].end() in bodies or headed:
            return [before, *_split_joined(after, known, heads, leading)]
    for i in range(len(run) - 2, 0, -1):  # "Ministry of the Interior and Kingdom Relations
        if run[i].group(0) != "and" or run[i + 1].group(0) != "the":  # and the Dutch
            continue                                                    # Authority for …"
        before, after = run[:i], run[i + 2:]
        if before[0].group(0) in leading and any(t.group(0) in heads for t in after[1:]) \
                and not any(t.group(0) in heads for t in before[1:]):
            return [before, after]
    return [run]


def _is_place(at: int, known: list) -> bool:
    return any(m.start == at and m.entry.category == "place" for m in known)


ORGANISATION_HEAD_KINDS = {"GovernmentBody", "OrganisationalUnit", "Collaboration",
                           "Organisation"}


def _continued(words: list[str], tail: int, connectors: set[str], countries: set[str],
               heads: set[str] | None = None) -> int:
    """A name goes on after its head noun ("AI Governance Guidelines for Business",
    "Federal Ministry for Digital and Transport"), but not into "and the …" or a country
    that qualifies it ("the Digital Agency of Japan"); a body's name (given its heads)
    goes on into "and the …" with no head of its own ("State Department for ICT and the
    Digital Economy")."""
    while tail + 1 < len(words) and words[tail] in connectors - {"and", "&", "the"}:
        nxt = tail + 1
        if words[nxt] == "the":
            nxt += 1
        if nxt >= len(words) or not words[nxt][0].isupper() or words[nxt] in countries:
            break
        end = nxt
        while end + 1 < len(words) and (words[end + 1][0].isupper() or (
                words[end + 1] == "and" and end + 2 < len(words)
                and words[end + 2][0].isupper()) or _YEARS.fullmatch(words[end + 1])):
            end += 1
        if heads is not None and words[end + 1:end + 3] == ["and", "the"]:
            more = end + 3
            while more < len(words) and words[more][0].isupper() and words[more] not in heads:
                more += 1
            if more > end + 3 and (more == len(words) or not words[more][0].isupper()):
                end = more - 1
        tail = end + 1
    return tail


def _acronym_candidates(text: str, start: int, end: int, genre: dict,
                        countries: frozenset[str], adjectives: frozenset[str] = frozenset(),
                        ) -> list[_Candidate]:
    """"the NOTICE project", "NOTICE, a project in which …", "the e-Residency programme",
    "the CamDX data exchange platform": an acronym, coined or camel-case word named by the
    noun after it (up to two lower-case words between); "the Diia platform", "the Humboldt
    Cable project": a capitalised word named by the noun of an application right after it,
    or two to three by any of those nouns (not a country's adjective: "the Estonian
    platform"); "the Digital Slovenia 2030 strategy": capitalised words with a year; a
    coined word with a lone capital ("X-Road", "L-Alert", "Manufacturing-X") by itself."""
    nouns: dict[str, str] = genre["acronym_nouns"]
    word = rf"[A-Z][A-Z0-9-]+|{_COINED.pattern}|[A-Z][a-z]+[A-Z][A-Za-z]*"
    pattern = re.compile(rf"(?<![\w-])({word})(?:\s+|,\s+an?\s+)({'|'.join(nouns)})(?!\w)")
    found = [_Candidate(m.start(), m.end(1) if "," in m.group(0) else m.end(), m.group(1),
                        nouns[m.group(2)]) for m in pattern.finditer(text, start, end)]
    # "the Digital Slovenia 2030 strategy": capitalised words and a year, named by the noun
    dated = re.compile(rf"(?<![\w-])((?:[A-Z][\w-]*\s+){{1,5}}\d{{4}})\s+({'|'.join(nouns)})"
                       rf"(?!\w)")
    found += [_Candidate(m.start(1), m.end(1), m.group(1), nouns[m.group(2)])
              for m in dated.finditer(text, start, end)
              if m.group(1).split()[0] not in ("The", "A", "An", "In", "On", "By")]
    # "the Rail Baltica corridor", "the Sanad application": a name the noun after it types
    named = genre["naming_nouns"]
    headed = re.compile(rf"(?<=\bthe )((?:[A-Z][\w-]*\s+){{0,2}}[A-Z][\w-]*)\s+"
                        rf"({'|'.join(named)})(?!\w)")
    found += [_Candidate(m.start(1), m.end(1), m.group(1), named[m.group(2)])
              for m in headed.finditer(text, start, end)
              if not set(m.group(1).split()) & (_DATE_WORDS | set(genre["post_words"]))
              and m.group(1).split()[-1] not in genre["region_words"]]  # "the Suez Canal
    # corridor": a feature of the land, the corridor along it no thing named
    between = re.compile(rf"(?<![\w-])({word})\s+(?:[a-z][\w-]*\s+){{1,2}}"
                         rf"({'|'.join(nouns)})(?!\w)")
    found += [_Candidate(m.start(), m.end(1), m.group(1), nouns[m.group(2)])
              for m in between.finditer(text, start, end)]
    apps = "|".join(genre["application_nouns"])
    plain = re.compile(rf"\bthe\s+([A-Z][a-z]+)\s+(?:{apps})(?!\w)"
                       rf"|\bthe\s+((?:[A-Z][a-z]+\s+){{1,2}}[A-Z][a-z]+)\s+({'|'.join(nouns)})(?!\w)")
    for m in plain.finditer(text, start, end):
        group = 1 if m.group(1) else 2
        if m.group(group).split()[0] not in countries | adjectives:
            found.append(_Candidate(m.start(group), m.end(group), m.group(group),
                                    nouns[m.group(3)] if m.group(3) else "Project"))
    taken = {c.start for c in found}
    lone = re.compile(r"(?<![\w.-])([A-Z]-[A-Z][a-z][\w-]*|[A-Z][a-z]+-[A-Z])(?![\w.-])")
    found += [_Candidate(m.start(), m.end(), m.group(0), "Initiative")
              for m in lone.finditer(text, start, end)
              if m.start() not in taken and not set(m.group(0).split("-")) & countries]
    # "ICT-ISAC", "5G-ACIA": acronyms joined by a hyphen, a body's name by itself
    joined = re.compile(r"(?<![\w.-])(?=[A-Z0-9-]*[A-Z]{3})[A-Z0-9]*[A-Z][A-Z0-9]*"
                        r"(?:-[A-Z0-9]*[A-Z][A-Z0-9]*)+(?![\w-]|\.\w)")
    found += [_Candidate(m.start(), m.end(), m.group(0), "Organisation")
              for m in joined.finditer(text, start, end)
              if m.start() not in taken and not set(m.group(0).split("-")) & countries]
    return found


_BRACKETED = re.compile(r"\s*\(([A-Z][A-Za-z]*[A-Z][A-Za-z]*)(?:-\d+)?\)")
_PIECE = re.compile(r"[A-Za-z][\w’'&-]*|,")


def _bound_candidates(text: str, start: int, end: int, genre: dict,
                      countries: frozenset[str]) -> list[_Candidate]:
    """"Innovation, Science and Economic Development Canada (ISED)", "Communications
    Authority of Kenya (CA)": the name a bracketed acronym spells, commas and a closing
    country included, from the nearest capitalised word whose initial opens the acronym
    and whose words' initials contain its letters in order. Its kind is its head's, or a
    government body's when it ends with a country; no head and no country: no name."""
    heads: dict[str, str] = genre["name_heads"]
    connectors = set(genre["name_connectors"])
    found = []
    for m in _BRACKETED.finditer(text, start, end):
        acronym = [c for c in m.group(1) if c.isupper()]
        pieces = [p for p in _PIECE.finditer(text, max(start, m.start() - 200), m.start())]
        words: list[re.Match[str]] = []
        for piece in reversed(pieces):
            word = piece.group(0)
            gap = text[piece.end():words[0].start() if words else m.start()]
            if gap.strip() or not (word == "," or word in connectors or word[0].isupper()):
                break
            words.insert(0, piece)
        best = None
        for i in range(len(words) - 1, -1, -1):
            first = words[i]
            initials = [w.group(0)[0] for w in words[i:] if w.group(0)[0].isupper()]
            if first.group(0)[0] != acronym[0] or first.group(0) in countries:
                continue
            it = iter(initials)
            if all(letter in it for letter in acronym):
                best = i
                break
        if best is None:
            continue
        label_words = [w.group(0) for w in words[best:] if w.group(0) != ","]
        kind = next((heads[w] for w in reversed(label_words) if w in heads), None)
        if kind is None and label_words[-1] in countries:
            kind = "GovernmentBody"
        if kind is None or "," not in text[words[best].start():m.start()] \
                and label_words[-1] not in countries:
            continue  # no comma nor country: the head rules already find it
        s, e = words[best].start(), words[-1].end()
        found.append(_Candidate(s, e, text[s:e], kind))
    return found


def _utterance(quoted: str) -> bool:
    """'"We will deepen cooperation …,"': words someone said, not a name in quotation
    marks: a sentence's end inside the marks, or a clause's comma after more than a
    name's few words."""
    words = quoted.split()
    return re.search(r"[.!?]$", quoted) is not None \
        or quoted.endswith(",") and len(words) > 4 or len(words) > 12


def _quoted_candidates(text: str, start: int, end: int, genre: dict) -> list[_Candidate]:
    heads: dict[str, str] = genre["name_heads"]
    found = []
    for m in _QUOTED.finditer(text, start, end):
        words = m.group(1).split()
        if _utterance(m.group(1)):
            continue
        kind = next((heads[w] for w in reversed(words) if w in heads), "Initiative")
        found.append(_Candidate(m.start(1), m.end(1), m.group(1), kind))
    return found


def _other_series(text: str, start: int, end: int, registry: Registry) -> list[_Candidate]:
    """"report its progress to the Japan-Mexico Strategic Economic Dialogue": a series the
    release names but reports no meeting of is an event it mentions (the meetings' own
    series, in any order or case of its name, are not)."""
    from .meetings import find_series, series_key  # meetings finds names: import late

    lexicon = registry.lexicon
    held = {series_key(m, lexicon) for name in registry.series_names
            for m in find_series(name, 0, len(name), lexicon)}
    return [_Candidate(m.name_start, m.end, m.name, "Event")
            for m in find_series(text, start, end, lexicon)
            if series_key(m, lexicon) not in held
            and not re.match(r"\s+[A-Z]", text[m.end:end])]  # "… Partnership Fund": longer


_CAPITAL = r"[A-ZÀ-ÖØ-ÞĀ-Ž](?:[\w'’-]*|\.)"  # a capitalised word of a post or name


def long_post_names(text: str, start: int, end: int, lexicon: Lexicon
                    ) -> list[tuple[int, int, int, int]]:
    """"Minister of Digital Development of Mongolia Batbold Tsend", "Minister of Posts,
    Telecommunications and Information Technology Rahim Chowdhury": a long post, then a
    name written normally. The name is the two to four words at the end that are no English
    word (lemminflect knows none of their forms) and no country; where none is, no person.
    As (post start, post end, name start, name end)."""
    genre = lexicon.genre
    leads = "|".join(re.escape(w) for w in sorted(genre["post_leads"], key=len, reverse=True))
    run = re.compile(rf"(?<![\w.-])(?:{leads})(?:,?[^\S\n]+(?:of|for|the|{_CAPITAL}|"
                     rf"and(?![^\S\n]+(?:{leads})\b)(?![^\S\n]+[a-z])))+"  # not "and others"
                     r"(?=,|\s*\(|\s+and\b|\s*$|\s*[.;]|[^\S\n]*\n|\s+[a-z])")
    countries = lexicon.country_names | lexicon.country_adjectives
    found = []
    for m in run.finditer(text, start, end):
        words = list(re.finditer(r"[^\s,]+", m.group(0)))
        name: list[re.Match[str]] = []
        for word in reversed(words):
            w = word.group(0)
            if len(name) == 4 or not w[0].isupper() or w in countries \
                    or w in genre["post_words"] \
                    or getAllLemmas(w.lower()) and any(_no_word(n.group(0)) for n in name):
                break  # an English word before the name's own: the post's
            name.insert(0, word)
        if len(name) < 2 or not any(_no_word(n.group(0)) for n in name) \
                or len(words) - len(name) < 3 or any(n.group(0) in genre["name_heads"]
                                                     for n in name):
            continue  # no name, only English words, a short post ("Vice-Minister X"), or a
            # body's name ("Director-General, Swedish Post and Telecom Authority")
        post_end = m.start() + words[-len(name) - 1].end()
        found.append((m.start(), post_end, m.start() + name[0].start(), m.end()))
    return found


def _generic(label: str, genre: dict) -> bool:
    """A name made only of words that name nothing by themselves (genre.yaml
    generic_name_words, head words, people's groups, record words) and small words."""
    generic = set(genre["generic_name_words"]) | set(genre["name_heads"]) \
        | set(genre["leading_heads"]) | set(genre["series_heads"]) \
        | set(genre["people_groups"]) | set(genre["record_words"])
    small = set(genre["name_connectors"]) | set(genre["determiners"])
    words = [w for w in re.findall(r"[\w’'-]+", label) if w not in small]
    return bool(words) and all(w in generic for w in words)


def _no_word(word: str) -> bool:
    """A word lemminflect knows in no form: a name's ("Tsend", "Chowdhury")."""
    return not getAllLemmas(word.lower())


def find_names(text: str, start: int, end: int, registry: Registry) -> list[Name]:
    """Every name in text[start:end], outermost first at each position, nested ones marked.
    A city the release's meeting is held in ends a name as a known one does ("… with the
    Agency for Digital Government in Aarhus")."""
    genre = registry.lexicon.genre
    places = frozenset(e.label for key, e in registry.entities.items()
                       if key.startswith("place/"))
    known = registry.lexicon.find(text, start, end)
    candidates = (_quoted_candidates(text, start, end, genre)
                  + _other_series(text, start, end, registry)
                  + _acronym_candidates(text, start, end, genre,
                                        registry.lexicon.country_names,
                                        registry.lexicon.country_adjectives)
                  + _bound_candidates(text, start, end, genre,
                                      registry.lexicon.country_names)
                  + _head_candidates(text, start, end, genre, known, registry.series_names,
                                     registry.lexicon.country_names, places,
                                     frozenset(registry.seen),
                                     registry.lexicon.country_adjectives,
                                     registry.lexicon.opening_words))
    outer: list[Name] = []
    taken: list[tuple[int, int]] = []
    people = [(s, e) for s, _, _, e in long_post_names(text, start, end, registry.lexicon)]
    for cand in sorted(candidates, key=lambda c: (c.start, -(c.end - c.start))):
        if any(s <= cand.start and cand.end <= e for s, e in taken) \
                or any(s < cand.end and cand.start < e for s, e in people):
            continue  # inside a name, or a post and a person's name
        if any(m.start <= cand.start and cand.end <= m.end for m in known):
            continue
        if any(m.start < cand.end and cand.start < m.end and not
               (cand.start <= m.start and m.end <= cand.end) for m in known):
            continue
        if registry.lexicon.lookup(f"{cand.label} side") is not None:
            continue  # "the Japanese project": a side's adjective, not a name
        if _generic(cand.label, genre):
            continue  # "a Working Group", "the Next Steps": a phrase
        entry = registry.lexicon.lookup(cand.label)
        if entry is not None and entry.category == "actor" and cand.kind not in (
                "GovernmentBody", "OrganisationalUnit", "Collaboration"):
            continue  # "the MIC project" names no new initiative
        entity = registry.seen.get(cand.label) or registry.named(  # as the release named it
            cand.label, [cand.kind], evidence(text, cand.start, cand.end))
        outer.append(Name(cand.start, cand.end, entity))
        taken.append((cand.start, cand.end))
    names = list(outer)
    for match in known:
        inside = any(s <= match.start and match.end <= e for s, e in taken)
        if inside and match.entry.category == "place":
            continue  # "Hiroshima AI Process": the city qualifies the name, is not named
        if inside and (text[match.start:match.end] in genre["name_heads"]
                       or text[match.start:match.end] in genre["leading_heads"]):
            continue  # "Federal Communications Commission": a head, not "the Commission"
        own = None if inside else _own_body(text, text[match.start:match.end], match.entry,
                                              registry)
        names.append(Name(match.start, match.end, own or registry.curated(
            match.entry, evidence(text, match.start, match.end),
            proposal_cued(text, start, match.start, genre)), inside))
    spans = [(n.start, n.end) for n in names]
    for m in registry.seen_pattern().finditer(text, start, end) if registry.seen else ():
        if not any(s < m.end() and m.start() < e for s, e in spans):
            names.append(Name(m.start(), m.end(), registry.seen[m.group(0)]))
    spans = [(n.start, n.end) for n in names] + [(m.start, m.end) for m in known]
    places = [m.end for m in known if m.entry.category == "place"]
    for city in find_cities(text, start, end, registry.lexicon.country_codes, spans, places):
        names.append(Name(city.start, city.end, city_place(text, city, registry)))
    _abbreviations(text, names, registry)
    _short_forms(text, names, registry)
    return sorted(names, key=lambda n: (n.start, -(n.end - n.start)))


def _own_body(text: str, written: str, entry, registry: Registry) -> str | None:
    """"The Commission" in a release whose partner is the ECOWAS Commission: a bare head
    word the lexicon gives one body (the European Commission) means the one body of the
    release with that head ("ECOWAS Commission", "Commission of …"), unless the lexicon's
    body is named in the release by its full name."""
    if written not in registry.lexicon.genre["leading_heads"] or written == entry.label \
            or f"{entry.category}/{entry.key}" in registry.entities:
        return None
    own = [found for key, found in registry.entities.items()
           if key.startswith("actor/") and not found.curated and written in (
               found.label.split()[0], found.label.split()[-1])]
    ends = {found.evidence.end for found in own if found.evidence is not None}
    own = [found for found in own if found.evidence is None or not re.search(
        r"\(\s*$", text[max(0, found.evidence.start - 3):found.evidence.start])
        or not ends & set(range(found.evidence.start - 3, found.evidence.start))]
    return own[0].id if len(own) == 1 else None  # a bracketed short name is the same body


def city_place(text: str, city: City, registry: Registry) -> str:
    """A world city the lexicon does not list, as a place of the release, with its GeoNames
    identifier when the name is sure."""
    entity = registry.discovered(city.name, ["Place"], evidence(text, city.start, city.end),
                                 slug=slugify(city.name), category="place")
    found = registry.entities[entity]
    if city.geonames is not None and not found.curated and not found.identifiers:
        found.identifiers.append(f"GeoNames:{city.geonames}")
    return entity


def _short_forms(text: str, names: list[Name], registry: Registry) -> None:
    """"the Ministry for Digital Transformation and Civil Service of the Kingdom of Spain",
    later "the Ministry for Digital Transformation and Civil Service": a body's name less
    the country it ends with is the same body."""
    for name in names:
        entity = registry.entities[name.entity]
        if entity.curated or name.nested or not registry.is_actor(name.entity):
            continue
        written = text[name.start:name.end]
        for m in re.finditer(r"\s+of\s+(?:the\s+)?", written):  # "Ministry of X of Hungary"
            short, rest = written[:m.start()], written[m.end():]
            country = registry.lexicon.lookup(rest)
            if country is not None and "Country" in country.kinds:
                if len(short.split()) >= 3 and not registry.lexicon.lookup(short):
                    registry.remember(short, name.entity)
                break


def _abbreviations(text: str, names: list[Name], registry: Registry) -> None:
    """"Internet Governance Forum (IGF)": the bracketed acronym is an alias of the name;
    "Commission of the Economic Community of West African States (ECOWAS Commission)": so
    is a bracketed short name, which is then no thing of its own."""
    for name in names:
        m = re.match(r"\s*\(([A-Z][A-Za-z0-9-]{1,12})\)", text[name.end:name.end + 16])
        short = None if m else _short_name(text, name, names, registry)
        if short is not None:
            m, inner = short
            registry.entities.pop(names[inner].entity)
            names[inner] = Name(names[inner].start, names[inner].end, name.entity,
                                names[inner].nested)
        entity = registry.entities[name.entity]
        if m and not entity.curated and m.group(1) not in entity.aliases:
            entity.aliases.append(m.group(1))
        if m and registry.lexicon.lookup(m.group(1)) is None:
            registry.remember(m.group(1), name.entity)  # "IMDA presented …" later on


def _short_name(text: str, name: Name, names: list[Name],
                registry: Registry) -> tuple[re.Match[str], int] | None:
    """The bracketed name right after an actor's longer one, when it was found as a new
    thing there, first: the match and its index in `names` (the caller drops that thing)."""
    m = re.compile(r"\s*\(([A-Z][\w-]*(?:\s+[A-Z][\w-]*){1,3})\)").match(text, name.end)
    if m is None or not name.entity.startswith("actor/"):
        return None
    for index, inner in enumerate(names):
        found = registry.entities.get(inner.entity)
        if (inner.start, inner.end) == m.span(1) and inner.entity != name.entity \
                and inner.entity.startswith("actor/") and found is not None \
                and not found.curated and found.evidence is not None \
                and found.evidence.start == inner.start:
            return m, index
    return None
