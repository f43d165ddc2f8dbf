"""The document model: a release's title, date, intro, numbered sections, paragraphs and
sentences, each with character offsets into the frozen text.

Extraction works on this model, never on raw lines, so numbering styles (``1.``, ``i.``,
``(1)``, ``1)``) and layout quirks are handled once, here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

import pysbd
from lemminflect import getAllLemmas

from .dates import DATE_RE, parse_date
from .errors import InputError
from .htmltext import CELL_SEPARATOR
from .source import SourceText

# Numbering styles a section heading may use; levels follow first appearance.
_NUMBERING = [
    ("arabic", re.compile(r"(\d{1,2})\.\s+")),
    ("paren", re.compile(r"\((\d{1,2})\)\s+")),
    ("arabic-paren", re.compile(r"(\d{1,2})\)\s+")),
    ("roman", re.compile(r"([ivxlc]{1,6})\.\s+")),
    ("ROMAN", re.compile(r"([IVXLC]{1,6})\.\s+")),
    ("roman-paren", re.compile(r"\(([ivxlc]{1,6})\)\s+")),
    ("alpha-paren", re.compile(r"\(?([a-h])\)\s+")),
    ("ALPHA", re.compile(r"([A-H])\.\s+(?=[A-Z0-9])")),
    ("ALPHA-paren", re.compile(r"\(?([A-H])\)\s+")),
    # "Part 1: The 3rd Japan-UK ICT Policy Dialogue": a part naming a meeting
    ("part", re.compile(r"(?:Part|PART|Session|SESSION)\s+(\d{1,2}|[IVX]{1,4})\s*[:.：–-]?\s+")),
    # "Theme A: Gigabit networks", "Agenda item 2 – Data": a labelled topic
    ("theme", re.compile(r"(?:Theme|Topic|Agenda [Ii]tem|Item|Pillar|Track|Segment|Subject)\s+"
                         r"([A-Z]|\d{1,2}|[IVX]{1,4})\s*[:.：–-]\s+")),
    # "○ Promotion of 5G", "・Cybersecurity", "- Data flows": bullets (no comma, few words)
    ("bullet", re.compile(r"([○●◎◇◆■□・•▪]|[-–](?=\s))\s*")),
]
_MAX_HEADING = 150


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int


@dataclass
class Paragraph:
    start: int
    end: int
    sentences: list[Sentence] = field(default_factory=list)
    # a bullet under a side's label ("Japanese side:", "[MIC]"): where the label is; the
    # bullet's statements name no subject ("- Explained the … strategy"), the label's side
    # speaks them
    label: tuple[int, int] | None = None


@dataclass
class Section:
    """A heading and the paragraphs under it (not those of its sub-sections).

    `role` says what the heading is: "topic" (an agenda topic, or a part naming a meeting:
    extraction decides), "structure" (Results, Overview, Main outcomes: structures the text,
    names no topic), "annex" (Attachments, Related links: what the release appends, whose
    short lines are file or link names, not headings), or "field:<name>" for a fact sheet's
    labelled field (Date, Venue, Participants), whose paragraphs are its value."""

    title: str
    start: int  # offsets of the title text, without its number
    end: int
    number: str | None = None
    style: str | None = None
    level: int = 0
    paragraphs: list[Paragraph] = field(default_factory=list)
    role: str = "topic"


@dataclass(frozen=True)
class Dateline:
    """"ABUJA, 29 May 2026 — …": the lead's opening dateline, from `start` to the text after
    its dash at `end`, the city at `city`; its date, if any, is in between."""

    start: int
    end: int
    city: tuple[int, int]


@dataclass
class Document:
    source: SourceText
    title: str
    title_span: tuple[int, int]
    published: dt.date
    date_span: tuple[int, int]
    intro: list[Paragraph]
    sections: list[Section]
    contact: list[Paragraph]
    dateline: Dateline | None = None

    @property
    def text(self) -> str:
        return self.source.text

    def fields(self, name: str) -> list[Section]:
        return [s for s in self.sections if s.role == f"field:{name}"]


def _lines(text: str) -> list[tuple[int, int, bool]]:
    """Non-blank lines as (start, end, follows a blank line or the start)."""
    spans = []
    blank, offset = True, 0
    for raw in text.split("\n"):
        start, end = offset, offset + len(raw)
        offset = end + 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end, blank))
            blank = False
        else:
            blank = True
    return spans


def split_sentences(text: str, start: int, end: int, abbreviations: list[str]) -> list[Sentence]:
    """Sentences of text[start:end], by pysbd (its rules for titles, initials, "U.S.",
    numbers and dates), with offsets into `text`. A cut is undone where no sentence ends:
    after one of the genre's own abbreviations (genre.yaml: "Art.", "No.", …), or before an
    inline list item ("discussed (a) X, (b) Y": pysbd cuts before each item)."""
    out: list[Sentence] = []
    for piece in _segmenter().segment(text[start:end]):
        begin, stop = start + piece.start, start + piece.end
        while stop > begin and text[stop - 1].isspace():
            stop -= 1
        if stop == begin:
            continue
        if out and _no_end(text[out[-1].start:out[-1].end], abbreviations):
            out[-1] = Sentence(out[-1].start, stop)
        else:
            out.append(Sentence(begin, stop))
    return out


def _no_end(sentence: str, abbreviations: list[str]) -> bool:
    return not _SENTENCE_END.search(sentence) or any(
        sentence.endswith((" " + abbr, "(" + abbr, "-" + abbr)) or sentence == abbr
        for abbr in abbreviations)


_SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]*$")


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def _numbering(line: str) -> tuple[str, str, int] | None:
    for style, pattern in _NUMBERING:
        match = pattern.match(line)
        if match:
            return style, match.group(1), match.end()
    return None


def _is_heading_text(line: str, style: str | None = None) -> bool:
    """Whether a (numbered) line reads as a heading; a bullet's must also be short and
    have no comma, or every item of a bulleted list of people would be a heading."""
    if style == "bullet" and ("," in line or ";" in line or len(line.split()) > 12):
        return False
    return (
        len(line) <= _MAX_HEADING
        and (not line.endswith(".") or line.endswith("etc."))
        and not line.endswith((":", ";", ","))
    )


_RUN_IN_WORDS = 8  # a run-in heading is a short phrase: "1. Trustworthy AI. The Ministers …"


def _run_in_heading(text: str, start: int, end: int, genre: dict) -> tuple[int, int] | None:
    """A numbered paragraph that opens with a short phrase of its own before its sentences
    ("1. Secure digital infrastructure. The Ministers recognised …", "(2) Data flows: The
    two sides …", "3. Digital public services – Minister A …"): where the phrase ends and
    where the text after it starts, when the phrase is no sentence: few words, no comma, no
    word that is only a verb ("2. The Ministers met." is a sentence; "Connected vehicles"
    may be a heading), and no title ("2. Mr. Kato explained …")."""
    m = _RUN_IN.match(text, start, end)
    if m is None:
        return None
    words = re.findall(r"[A-Za-z][\w'’-]*", m.group("head"))
    if not 1 <= len(words) <= _RUN_IN_WORDS or not words[0][0].isupper() \
            or m.group("head") in genre.get("honorifics", []) \
            or m.group("head") + "." in genre.get("abbreviations", []) \
            or any(_finite_verb(w) for w in words):  # "Mr. …", "St. …" are no headings
        return None
    return m.end("head"), m.end()


_RUN_IN = re.compile(r"(?P<head>[^.:;,()–—]{1,80}?)(?P<mark>\.\s+|\s*:\s+|\s+[–—-]\s+)"
                     r"(?=[A-Z])")


def _unnumbered_run_ins(text: str, body: list[tuple[int, int, bool]], genre: dict,
                        labels: dict[str, str]) -> dict[int, tuple[int, int]]:
    """Paragraphs with no number that open with a run-in heading ("Digital skills: MIC
    presented …", a page's "<p><strong>Trustworthy AI.</strong> The two sides …</p>"):
    where each heading ends and its text starts, by paragraph start. A style, not a
    sentence's accident: only when two paragraphs or more open so, and never a dateline in
    capitals ("ABUJA — The …"), a field's label ("Venue: Tokyo") or a side's ("Japanese
    side: Mr. A, …")."""
    sides = {w.lower() for w in genre.get("side_subjects", [])}
    found = {}
    for start, end, after_blank in body:
        line = text[start:end]
        if not after_blank or _numbering(line) or _labelled(line, labels) is not None:
            continue
        label = _TOPIC_LABEL.match(text, start, end)  # "Topic: Data governance. Both …"
        at = label.end() if label else start
        run_in = _run_in_heading(text, at, end, genre)
        head = text[at:run_in[0]] if run_in else ""
        dash = bool(run_in) and text[run_in[0]:run_in[1]].strip() in ("—", "–", "-")
        if head and not (dash and head.isupper()) and head.split()[-1].lower() not in sides \
                and not _person_line(text[run_in[1]:end].split(",")[0], genre):
            found[start] = (at, *run_in)  # "Japan: Mr. A, …" lists a person
    return found if len(found) >= 2 else {}


_TOPIC_LABEL = re.compile(r"(?:Theme|Topic|Agenda [Ii]tem|Item|Subject)\s*[:：]\s+")


def _finite_verb(word: str) -> bool:
    """A word lemminflect knows only as a verb or auxiliary, not as an -ing form (an
    adjective's: "emerging technologies")."""
    lemmas = getAllLemmas(word.lower())
    return ("AUX" in lemmas or set(lemmas) == {"VERB"}) and not word.endswith("ing")


def _is_plain_heading(line: str, next_line: str | None) -> bool:
    """A short line with no closing stop before more text; not a sentence that lost its
    full stop ("The two sides agreed to meet again"), which has a word that is only a verb
    after its first."""
    return (
        next_line is not None
        and len(line) <= 90
        and (line[0].isupper() or (line[0] in "[<【" and line[-1] in "]>】"))
        and not re.search(r"[.!?:;,]$", line)
        and "://" not in line
        and ":" not in line
        and len(line.split()) <= 12
        and not any(_finite_verb(w) for w in re.findall(r"[a-z][\w'’-]*", line))
    )


def _person_line(line: str, genre: dict) -> bool:
    """"Mr. Daisuke Kurosawa" alone on a line, the post on the next: a person, no heading."""
    honorifics = "|".join(re.escape(h) for h in genre.get("honorifics", []))
    return bool(honorifics) and re.fullmatch(rf"(?:{honorifics})\s+(?:\S+\s*){{1,4}}",
                                             line) is not None and "," not in line


def _side_label(line: str, next_line: str | None, genre: dict,
                openers: frozenset[str]) -> tuple[int, int] | None:
    """"Japanese side:", "Both sides:", "[MIC]" on a line of its own before its items:
    where the label's words are in the line. A label ends with a side's word (genre
    ``side_subjects``) or is an acronym in brackets; whose side it is, extraction decides."""
    at = None if next_line is None else _item(next_line, openers)
    if at is None:
        return None
    numbered = _numbering(line)
    offset = numbered[2] if numbered else 0  # "(1) Japanese side", "■ Japanese side"
    sides = "|".join(re.escape(w) for w in genre.get("side_subjects", []))
    m = re.compile(rf"[\[【<]?\s*((?:[\w'’-]+\s+){{0,4}}(?:{sides}))\s*[\]】>]?\s*[:：]?",
                   re.IGNORECASE).fullmatch(line, offset) if sides else None
    m = m or re.fullmatch(r"[\[【<]\s*([A-Z][A-Za-z&]{1,9})\s*[\]】>]\s*[:：]?", line)
    # "Japan:" / "Costa Rica:": any short name with a colon, if its item opens on a verb
    opens = next_line[at:].split(maxsplit=1)[0].lower() in openers
    m = m or (re.fullmatch(r"([A-Z][\w.'’-]*(?:\s+[A-Za-z][\w.'’-]*){0,3})\s*[:：]", line)
              if opens else None)
    return (m.start(1), m.end(1)) if m else None


def _item(line: str, openers: frozenset[str]) -> int | None:
    """Where an item under a side's label starts: after its bullet ("- Explained …"), or
    at the line's start when it opens with a speech-act verb (`openers`; a page's list
    item has no bullet left: "Explained …"); None for any other line."""
    numbered = _numbering(line)
    if numbered and numbered[0] == "bullet":
        return numbered[2]
    first = line.split(maxsplit=1)[0].lower()
    return 0 if first in openers else None


def _labels(genre: dict) -> dict[str, str]:
    """Heading text (lower case) → role, from the genre's field labels and structural
    headings."""
    out = {h.lower(): "structure" for h in genre.get("structure_headings", [])
           + genre.get("agenda_frames", [])}
    out |= {h.lower(): "annex" for h in genre.get("annex_headings", [])}
    for name, labels in genre.get("field_labels", {}).items():
        out |= {label.lower(): f"field:{name}" for label in labels}
    return out


def _labelled(line: str, labels: dict[str, str]) -> tuple[str, int, int, int] | None:
    """A field label at the start of the line ("Date: 5 July", "Venue", "3. Participants:",
    "[Overview]", "【Participants】"): its role, where the label is and where its value
    starts (the line's end if none)."""
    numbered = _numbering(line)
    offset = numbered[2] if numbered else 0
    m = re.match(r"(?:[\[【<（(]\s*(?=.*[\]】>）)]))?([A-Za-z][A-Za-z /&()-]*?)\s*[\]】>）)]?"
                 r"\s*(?:[:：]\s*|$)", line[offset:])
    if not m:
        return None
    role = labels.get(m.group(1).strip().lower())
    if role is None:
        return None
    return role, offset + m.start(1), offset + m.end(1), offset + m.end()


def parse_document(source: SourceText, genre: dict,
                   openers: frozenset[str] = frozenset()) -> Document:
    """Build the document model; raise InputError if the text has no title or no date.
    `openers`: the speech-act verbs that may open an item under a side's label."""
    text = source.text
    lines = _lines(text)
    if not lines:
        raise InputError(source.path, "no text")
    title, title_span, published, date_span, body_from = _title_and_date(
        source, [(s, e) for s, e, _ in lines])
    abbreviations = genre.get("abbreviations", [])
    contact_heads = {h.lower() for h in genre.get("contact_headings", [])}
    labels = _labels(genre)

    intro: list[Paragraph] = []
    sections: list[Section] = []
    contact: list[Paragraph] = []
    styles: list[str] = []
    in_contact = False
    in_field = False  # the lines of a field's value run to the next blank line
    awaiting = False  # a field label without a value: the next line is its value
    after_row = False  # the line before was a table's row: a field's table runs on
    body = lines[body_from:]
    joined = -1  # the last line joined to the one before it (a person's post)
    label: tuple[int, int] | None = None  # the side's label the bullets below speak under
    run_ins = _unnumbered_run_ins(text, body, genre, labels)
    for index, (start, end, after_blank) in enumerate(body):
        if index <= joined:
            continue
        line = text[start:end]
        next_line = text[body[index + 1][0]:body[index + 1][1]] if index + 1 < len(body) else None
        if in_contact:
            contact.append(Paragraph(start, end, [Sentence(start, end)]))
            continue
        row = CELL_SEPARATOR in line  # a table's row: never a heading
        if after_blank and not awaiting and not (row and after_row):
            in_field = False
        after_row = row
        awaiting = False
        if line.rstrip(":").lower() in contact_heads:
            in_contact = True
            continue
        labelled = _labelled(line, labels)
        if labelled is not None:
            role, label_start, label_end, value_at = labelled
            numbering = _numbering(line)
            section = Section(line[label_start:label_end], start + label_start,
                              start + label_end, role=role,
                              style=numbering[0] if numbering else None)
            sections.append(section)
            if value_at < len(line):
                section.paragraphs.append(Paragraph(start + value_at, end, split_sentences(
                    text, start + value_at, end, abbreviations)))
            in_field = role.startswith("field:")
            # "Format" alone on its line (a page's <p>): the value is the next paragraph
            awaiting = in_field and value_at >= len(line)
            continue
        side = _side_label(line, next_line, genre, openers)
        if side is not None:
            label = (start + side[0], start + side[1])
            continue
        bullet = _item(line, openers) if label is not None else None
        if bullet is None:
            label = None
        else:
            (sections[-1].paragraphs if sections else intro).append(Paragraph(
                start + bullet, end, split_sentences(text, start + bullet, end, abbreviations),
                label))
            continue
        if _person_line(line, genre) and next_line is not None and not body[index + 1][2]:
            end, joined = body[index + 1][1], index + 1  # "Mr. Jan Novak" / "Director, MIC"
            (sections[-1].paragraphs if sections else intro).append(
                Paragraph(start, end, [Sentence(start, end)]))
            continue
        if in_field or sections and (row or sections[-1].role == "annex"):
            sections[-1].paragraphs.append(Paragraph(start, end, split_sentences(
                text, start, end, abbreviations)))
            continue
        numbered = _numbering(line)
        run_in = None if numbered is None or _is_heading_text(line, numbered[0]) \
            else _run_in_heading(text, start + numbered[2], end, genre)
        if numbered and (run_in or _is_heading_text(line, numbered[0])):
            style, number, offset = numbered
            if style not in styles:
                styles.append(style)
            head_end = run_in[0] if run_in else end
            title_text = text[start + offset:head_end].strip()
            sections.append(Section(title_text, start + offset, head_end, number, style,
                                    styles.index(style) + 1,
                                    role=labels.get(title_text.lower(), "topic")))
            if run_in:  # "4. Next steps. The Ministers …": a label, run in
                sections[-1].paragraphs.append(Paragraph(run_in[1], end, split_sentences(
                    text, run_in[1], end, abbreviations)))
            continue
        if numbered and numbered[0] != "bullet":  # "1. On AI, the Ministers …": the text
            start += numbered[2]  # after its number (a sentence's lead is then its first)
        if _is_plain_heading(line, next_line):
            # "Main outcomes of the 28th …", "【Photos of the meeting】", "Joint Statement on
            # …": a structural or annex heading naming what it is of or on
            bare = line.strip("[]【】<>（）() ").lower()
            role = next((labels[h] for h in labels if labels[h] in ("structure", "annex")
                         and bare.startswith((h + " of ", h + " on "))), "topic")
            sections.append(Section(line, start, end, role=role))
            continue
        if start in run_ins:  # "Digital skills: MIC presented …" (a page's bold lead)
            head_start, head_end, body_start = run_ins[start]
            if "run-in" not in styles:
                styles.append("run-in")
            sections.append(Section(text[head_start:head_end], head_start, head_end, None,
                                    "run-in", styles.index("run-in") + 1))
            start = body_start
        paragraph = Paragraph(start, end, split_sentences(text, start, end, abbreviations))
        (sections[-1].paragraphs if sections else intro).append(paragraph)
    _outline_siblings(sections)
    dateline = None
    if intro:
        dateline = _dateline(text, intro[0].start, intro[0].end)
    if dateline is not None:  # the lead's sentences start after it
        first = intro[0]
        intro[0] = Paragraph(dateline.end, first.end,
                             split_sentences(text, dateline.end, first.end, abbreviations))
    return Document(source, title, title_span, published, date_span, intro, sections, contact,
                    dateline)


_DAY = re.sub(r"\(\?P<\w+>", "(?:", DATE_RE.pattern)  # without its group names, used twice
_WHERE = r"(?:,\s+[A-Z][A-Za-z .]{2,20}?|\s+\([A-Z][A-Za-z .]{2,20}\))?"  # ", Ethiopia"
# a city in capitals, its date if any; or a city as written, then its date (no date: a
# heading's words, "Data governance — …")
_DATELINE = re.compile(rf"(?:(?P<city>[A-Z][A-Z'’.-]*(?:\s+[A-Z][A-Z'’.-]*){{0,3}}){_WHERE}"
                       rf"(?:,\s+(?:{_DAY}))?|(?P<titled>[A-Z][a-zà-ÿ'’.-]+(?: [A-Z][a-zà-ÿ'’.-]+)"
                       rf"{{0,2}}){_WHERE},\s+(?:{_DAY}))\s*[—–-]{{1,2}}\s+(?=[A-Z])")


def _dateline(text: str, start: int, end: int) -> Dateline | None:
    """"ABUJA, 29 May 2026 — The Ministry …", "GENEVA — …", "Addis Ababa (Ethiopia), 12 May
    2026 – …": the dateline a wire-style lead opens with (a city in capitals with a date or
    none, or as written with a date; a dash)."""
    m = _DATELINE.match(text, start, end)
    city = "city" if m is not None and m.group("city") else "titled"
    if m is None or len(m.group(city)) < 3:
        return None
    return Dateline(m.start(), m.end(), m.span(city))


def _outline_siblings(sections: list[Section]) -> None:
    """"1. Date … 4. Overview, (1) X, (2) Y, 5. Next meeting": when the topics are numbered
    in a style of their own, a heading numbered like the fact sheet's fields and structural
    headings is one of them (structure), not a topic."""
    outline = {s.style for s in sections if s.role != "topic" and s.style}
    topics = {s.style for s in sections if s.role == "topic" and s.style} - outline
    if not topics:
        return
    for section in sections:
        if section.role == "topic" and section.style in outline:
            section.role = "structure"


def _title_and_date(source: SourceText, lines: list[tuple[int, int]]):
    """The release's date and title from its first lines: "February 28, 2023 Title", a
    title line then a date line, or a date line then a title line."""
    text = source.text
    head = lines[:3]
    for index, (start, end) in enumerate(head):
        for match in DATE_RE.finditer(text, start, end):
            published = parse_date(match)
            if published is None:
                continue
            rest = [
                (s, e) for s, e in ((start, match.start()), (match.end(), end))
                if text[s:e].strip(" \t-–—|:,()")
            ]
            if rest:
                s, e = max(rest, key=lambda r: r[1] - r[0])
                while s < e and text[s] in " \t-–—|:,()":
                    s += 1
                while e > s and text[e - 1] in " \t-–—|:,()":
                    e -= 1
                return text[s:e], (s, e), published, (match.start(), match.end()), index + 1
            for s, e in (head[index - 1:index] if index else []) + lines[index + 1:index + 2]:
                candidate = text[s:e]
                if _is_heading_text(candidate) and not candidate.endswith("."):
                    following = index + 2 if s > start else index + 1
                    return candidate, (s, e), published, (match.start(), match.end()), following
            raise InputError(source.path, "no title: the release's first lines hold a date "
                             "but no title line")
    raise InputError(source.path, "no release found: no publication date (such as "
                     "'February 28, 2023') in the first lines")
