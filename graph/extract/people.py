"""People named with their posts: "Mr. Taro Yamada, Vice-Minister for Policy Coordination,
MIC, and Dr. Anna Weber, State Secretary, Federal Ministry for Digital and Transport".

A person is found by an honorific (or, in a Participants field, by a line of the form
"Name, Post, Organisation"); the post runs to the organisation that ends the list item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..facts import Relation
from .names import Name, evidence, long_post_names
from .registry import ORGANISATION_KINDS, Registry, slugify

# Letters of Latin names beyond ASCII ("Hélène", "Łukasz"): upper, lower case.
_UP, _LOW = "A-ZÀ-ÖØ-ÞĀ-Ž", "a-zß-öø-ÿĀ-ž"
_WORD = rf"(?:[{_UP}][{_LOW}]+(?:-[{_UP}{_LOW}][{_LOW}]+)?|[A-Z]{{2,}}|[A-Z]\.)"  # "Jae-won"
# Lower-case particles inside a family name ("Marieke van den Berg", "Ana da Silva")
_PARTICLE = r"(?:van|von|der|den|de|da|di|del|della|dos|das|du|la|le|ter|ten|bin|binti|al|el)"
_NAME = rf"{_WORD}(?:[^\S\n]+(?:{_PARTICLE}\s+){{0,2}}{_WORD}){{0,3}}"  # on one line
# What parts a list item or a table's row ("Name | Post | Organisation")
_SEP = r"(?:,|\s+\|)\s+"
_CHAIR = re.compile(r"\b(?:co-)?chair(?:ed|s)?\b|\bled by\b|\bheaded by\b|\bhead of\b",
                    re.IGNORECASE)


@dataclass(frozen=True)
class Person:
    entity: str
    start: int
    end: int
    organisation: str | None
    chair: bool


def find_people(text: str, start: int, end: int, names: list[Name], registry: Registry,
                bare: bool = False) -> tuple[list[Person], list[Relation]]:
    """The people named in text[start:end] with their posts (memberOf, jobTitle)."""
    genre = registry.lexicon.genre
    honorifics = "|".join(re.escape(h) for h in sorted(genre["honorifics"], key=len,
                                                        reverse=True))
    # one honorific or more ("H.E. Mr. Sok Vannak")
    lead = rf"(?:(?:(?<![\w.])(?:{honorifics})\s+)+)" + ("?" if bare else "")
    # no title, but a post after the comma: "Park Jae-won, Director General for …, MSIT"
    posts = "|".join(re.escape(w) for w in genre["post_words"])
    untitled = (rf"(?<![\w.’'-])(?={_WORD}\s+(?:{_PARTICLE}\s+){{0,2}}{_NAME}{_SEP}(?:{posts})"
                r"[\s,|])")
    # a post as title, before a name of two words or more: "Vice-Minister Daisuke Kurosawa"
    leads = "|".join(re.escape(w) for w in sorted(genre["post_leads"], key=len, reverse=True))
    titled_by_post = (rf"(?<![\w.-])(?P<post>{leads})[^\S\n]+"
                      rf"(?={_WORD}[^\S\n]+(?:{_PARTICLE}\s+){{0,2}}{_WORD})")
    # a long post as title, before a name whose family name is in capitals: "Minister for
    # Internal Affairs and Communications NAKAGAWA Hiroshi" (the capitals end the post)
    titled_by_long_post = (rf"(?<![\w.-])(?P<long>(?:{leads})(?:[^\S\n]+(?:of|for|the|"
                           rf"and(?![^\S\n]+(?:{leads})\b)|"
                           rf"[A-Z][a-z][\w-]*|\([A-Z][^()\n]{{0,40}}\)))+?)[^\S\n]+"
                           rf"(?=[A-Z]{{2,}}[^\S\n]+[A-Z][a-z])")  # "… (International Affairs)"
    pattern = re.compile(rf"(?:{lead}|{untitled}|{titled_by_post}|{titled_by_long_post})"
                         rf"(?P<name>{_NAME})"
                         r"(?=,|\s*\||\s*\(|\s+and\b|\s+of\b|\s*$|\s*[.;]|[^\S\n]*\n"
                         r"|\s+[a-z])")
    # a post before the name, set off by a comma: "the Minister of X of Romania, Mr. A"
    post_before = re.compile(rf"(?:^|\bthe\s+|,\s+)(?P<post>(?:{leads})\b[^;]*?),\s*$")
    people, relations = [], []
    cursor = previous = start
    while True:
        m = pattern.search(text, cursor, end)
        if m is None:
            break
        cursor = m.end()
        person_name = m.group("name")
        if bare and (m.start() != start or _is_known(person_name, registry)):
            break
        if not bare and _is_known(person_name, registry):
            continue
        if not bare and m.start() == m.start("name") and re.search(
                r"[A-Z][\w’'-]*,?\s+$", text[max(start, m.start() - 30):m.start()]):
            continue  # untitled, and the end of a longer name ("… Bureau, MIC, Director")
        if m.group("post") or m.group("long"):
            if any(w in genre["series_heads"] for w in person_name.split()):
                continue  # "the Vice-Minister Level Meeting"
            post_start, organisation, item_end = _lead_post(text, m, names, registry)
        elif text[m.end():m.end() + 1].isspace() and re.match(r"\s+(?:[a-z]|of\b)",
                                                               text[m.end():]):
            continue  # only a post as title may stand before a verb or "of"
        else:
            post_start, organisation, item_end = _post(text, m.end(), end, names, registry,
                                                        honorifics)
            before = None if bare or post_start or organisation else post_before.search(
                text, previous, m.start())
            if before is not None:
                post_start = before.span("post")
        if bare and organisation is None:
            break
        person = _person(text, (m.start(), m.start("name"), m.end("name"), item_end),
                         post_start, organisation, start, names, registry, relations)
        people.append(person)
        cursor = previous = max(cursor, item_end)
    if not bare:
        for begin, post_end, name_start, name_end in long_post_names(
                text, start, end, registry.lexicon):
            if not any(p.start < name_end and begin < p.end for p in people):
                people.append(_person(text, (begin, name_start, name_end, name_end),
                                      (begin, post_end), None, start, names, registry,
                                      relations))
    return sorted(people, key=lambda p: p.start), relations


def _person(text: str, spans: tuple[int, int, int, int], post_span: tuple[int, int] | None,
            organisation: str | None, start: int, names: list[Name], registry: Registry,
            relations: list[Relation]) -> Person:
    """The person whose name is text[spans[1]:spans[2]] (its title from spans[0], its
    item to spans[3]), remembered under the forms later sentences use, with their post
    and organisation as relations (added to `relations`)."""
    genre = registry.lexicon.genre
    begin, name_start, name_end, item_end = spans
    person_name = text[name_start:name_end]
    entity = registry.discovered(person_name, ["Person"], evidence(text, name_start, name_end),
                                 slug=slugify(person_name), category="person")
    registry.remember(person_name, entity)
    titled = text[begin:name_start].strip()  # later "Mr. NISHIDA" (as titled)
    family = _family_name(person_name)
    for title in [titled] if titled else [h for h in genre["honorifics"] if h.endswith(".")]:
        for form in {family, family.title()}:  # "Mr. OTA Kenji", later "Mr. Ota"
            registry.remember(f"{title} {form}", entity)
    sentence_ev = evidence(text, begin, item_end)
    chair = bool(_CHAIR.search(text[max(start, begin - 40):begin]))
    post = text[post_span[0]:post_span[1]].strip(" ,|\n") if post_span else ""
    if organisation is None and post_span:
        organisation = _body_of_post(text, post, post_span, names, registry)
        if organisation is not None and "Country" in registry.kinds(organisation):
            post = _WITHOUT_COUNTRY.sub("", post)  # "… of Mongolia": its body
    if post:
        relations.append(Relation(entity, "jobTitle", sentence_ev, value=post))
        registry.posts.setdefault(entity, post)
        _remember_post_title(post, person_name, entity, registry)
    if organisation and registry.kinds(organisation) & ORGANISATION_KINDS:  # not a country
        relations.append(Relation(entity, "memberOf", sentence_ev, object=organisation))
    return Person(entity, begin, item_end, organisation, chair)


# "…, Minister of X of (the Republic of) Mongolia", "Ambassador of the United Republic
# of Tanzania to Japan": the country at the end of a post
_WITHOUT_COUNTRY = re.compile(r",?\s+of\s+(?:the\s+)?(?:(?:Federal\s+|United\s+)?"
                              r"(?:Republic|Kingdom|State|Commonwealth)\s+of\s+(?:the\s+)?)?"
                              r"(?:(?!\bof\b).)+$")


def _lead_post(text: str, m: re.Match[str], names: list[Name], registry: Registry
               ) -> tuple[tuple[int, int], str | None, int]:
    """"Vice-Minister Daisuke Kurosawa of MIC": the post before the name, and the
    organisation right after it ("of (the) X", ", X"), if any."""
    after = re.compile(r"(?:\s+of\s+(?:the\s+)?|,\s+)").match(text, m.end("name"))
    org = next((n for n in names if after and n.start == after.end() and not n.nested
                and registry.kinds(n.entity) & ORGANISATION_KINDS), None)
    post = m.span("post") if m.group("post") else m.span("long")
    if org is None:
        return post, None, m.end("name")
    return post, org.entity, org.end


def _body_of_post(text: str, post: str, span: tuple[int, int], names: list[Name],
                  registry: Registry) -> str | None:
    """Whose post it is when no organisation is written: the country it ends with
    ("Minister of Digital Development of Mongolia"), or an envoy's, before the one it is
    accredited to ("Ambassador of the United Republic of Tanzania to Japan" → Tanzania),
    else the known body only it has (actors.yaml ``posts``: "Minister for Internal Affairs
    and Communications" → MIC)."""
    countries = [n for n in names if span[0] <= n.start and n.end <= span[1]
                 and not n.nested and "Country" in registry.kinds(n.entity)]
    country = next((n for n in countries if not post[n.end - span[0]:].strip(" ,")), None)
    if country is not None and re.search(r"\sto\s+(?:the\s+)?$", text[span[0]:country.start]):
        country = next((n for n in reversed(countries) if n.end <= country.start), None)
    bare = _WITHOUT_COUNTRY.sub("", post) if country is not None else post
    body = next((e for e in registry.lexicon.of("actor") if bare in e.extra.get("posts", ())),
                None)  # "Minister for Internal Affairs and Communications (of Japan)"
    if body is not None:
        return registry.curated(body)
    return country.entity if country is not None else None


def _remember_post_title(post: str, person_name: str, entity: str,
                         registry: Registry) -> None:
    """"Mr. Batbold Tsend, Minister of Digital Development …": later "Minister Tsend", the
    post's leading title (genre ``post_leads``) before the family name (one in capitals
    also as written in prose: "NAKAGAWA Hiroshi" → "Minister Nakagawa"), is the same
    person."""
    leads = sorted(registry.lexicon.genre["post_leads"], key=len, reverse=True)
    lead = next((w for w in leads if re.match(rf"{re.escape(w)}\b", post)), None)
    family = _family_name(person_name)
    for form in {family, family.title()} if lead is not None else ():  # "Minister Nakagawa"
        registry.remember(f"{lead} {form}", entity)


def _family_name(name: str) -> str:
    """The family name: the one in capitals ("NISHIDA Haruki"), else from its particle
    ("ter Horst") or the last word."""
    words = name.split()
    particle = next((i for i, w in enumerate(words) if re.fullmatch(_PARTICLE, w)), None)
    return next((w for w in words if w.isupper() and len(w) > 1),
                " ".join(words[particle:]) if particle else words[-1])


def _is_known(name: str, registry: Registry) -> bool:
    heads = registry.lexicon.genre["name_heads"]
    return registry.lexicon.lookup(name) is not None or any(w in heads for w in name.split())


def _post(text: str, at: int, end: int, names: list[Name], registry: Registry,
          honorifics: str) -> tuple[tuple[int, int] | None, str | None, int]:
    """The post after a person's name: the parts up to the organisation that closes the
    item (", and Dr. …", ";", the sentence's end); the organisation; the item's end."""
    # also where a verb follows: "Mr. B, Minister of …, held the meeting"
    stop = re.compile(rf",\s+and\s+|;|\s+and\s+(?=(?:{honorifics})\s)|\.?$|"
                      r",\s+(?=(?!and\b|of\b|for\b|the\b)[a-z]+\s)").search(text, at, end)
    item_end = stop.start() if stop else end
    organisations = [n for n in names if not n.nested and at <= n.start < item_end
                     and registry.kinds(n.entity) & ORGANISATION_KINDS]
    if not organisations:
        return ((at, item_end) if item_end > at else None), None, item_end
    org = organisations[-1]
    for earlier in reversed(organisations[:-1]):  # "Ministry of … (MIC)": one organisation;
        # "Undersecretariat of Telecommunications (SUBTEL) of the Ministry of …": the unit
        if earlier.entity != org.entity and not re.fullmatch(
                r"\s*(?:\([A-Z][A-Za-z0-9&-]{1,11}\))?\s+of\s+(?:the\s+)?",
                text[earlier.end:org.start]):
            break
        org = earlier
    post_end = org.start
    qualifier = next((n for n in names if n.end + 1 == org.start and n.start >= at
                      and "Country" in registry.kinds(n.entity)), None)
    if qualifier is not None:  # "…, U.S. Department of State": the country is the body's
        post_end = qualifier.start
    post = (at, post_end) if post_end > at else None
    return post, org.entity, item_end
