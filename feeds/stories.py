"""Which story a new item belongs to: the merging decision, explainable by a rule, a score and the evidence.

Each new item is compared with the items of other sources (feeds) in stories of the last `window` (48 h): a
feed's second item is its own news (a correction or a new toll), never "also reported by" itself. Storage
offers as candidates the items tagged with the new item's entities and the `recent_candidates` newest tagged
items of the window whatever their entities, so a report tagged only with the border, or naming a village no
entity tracks, still meets the reports of its event in any language, at a bounded cost per batch. Every item
has an event signature (feeds.signature): its event types, figures, places and other entities, and proper
names, all independent of the language it is written in. The best match wins:

- "text": same language, near-duplicate wording. The normalised title and lead are compared with rapidfuzz's
  token-set ratio (0–100), which forgives re-ordered and added words; at `text_threshold` or more the wording
  alone decides (a reaction beside a report of the event: `other_kind_text_threshold`, unless an actor, a
  name or a tracked person or body, is shared, or the event's lead reports a reaction too; an announcement
  beside a report of what happened: `other_kind_text_threshold` always).
- "signature": any two languages (or one language in other words), within `cross_language_window`. The items'
  events must agree (a family in common: shelling and an attack are both fighting) and they must share an
  anchor: a place, a figure, a proper name no entity tracks ("Pelosi"), or two weaker ones (another tracked
  entity, a region-sized place such as Nagorno-Karabakh or Syunik, a clock time, a distinctive kind of event
  such as martial law); when one of them names no event, or their kinds of event differ within one domain (the
  fighting for a town and its capture, captives taken and returned: feeds.signature.event_relation, RELATED),
  more. A figure of 31 or less is a weak anchor between reports that name different places ("two soldiers
  wounded"). The score is the Jaccard similarity of their signatures (entities, names, figures, event
  families) and must reach `entity_threshold`; at `alike_score` one weak anchor is enough (the same region and
  kind of event and little else on either side), and with two full anchors (two places; a place and a figure)
  `many_anchors_score` is (one report says much more); one full anchor is enough when the other report holds
  all of the shorter one's signature (`contained_share`). Up to `day_apart_window` (two reports dated by
  the day only are read as noon, a day apart), events in agreement and more than two full anchors
  (`day_apart_anchors`). A headline that reports a reaction (condemns, welcomes, supports, calls for) never
  joins a report of the event by signature, nor does one that announces what is to come (will meet, is to
  sign) join the report of it happening: each is a story of its own. Two reactions join by signature only
  through an actor in common (a name, a tracked person or body): the reactions of Moscow and of Yerevan to one
  clash share its signature and are two stories.
- "text+signature": same language, wording fairly alike (`text_evidence_threshold` or more) and the same
  evidence as the signature rule asks, within `cross_language_window`.

Never merged, whatever the score: items whose specific places are disjoint ("shelling near Jermuk" vs "near
Sotk"; a region never contradicts a town in it), whose events contradict (a checkpoint set up vs traffic
resumed; talks vs shelling: no kind of event in common, nor a domain; martial law declared vs the fighting it
is declared over: a distinctive kind of event on one side only), whose figures differ (each names one the
other lacks: "49 killed" vs "50 killed"; day 25 of a protest vs day 26; "20 killed, 290 wounded" vs "68
killed, 290 wounded", a new toll), or whose headlines each name one side and not the same one and that
name no place in common (martial law in Armenia vs in Artsakh), or meetings or calls whose headlines each
name two tracked people or more and not the same ones (Putin and Aliyev vs Putin, Aliyev and Pashinyan: on
a summit day a bilateral meeting is not the trilateral one beside it).

Over-merging is the worst error of an alert bot (a new event joined to an old story alerts nobody), so a
match with one item is not enough: the item must also agree with the story's core, what at least half of its
items say (no contradiction, a full anchor in common), or read as a near-duplicate of one of them. Without
that, stories of one region and one kind of event chain into one (an operation, the reactions to it, the
casualties of the next day) through their loosest members.

Beyond the story it joins, an item may show that two open stories are one: `decide` also lists every other
story the item matches with the signature's full evidence (`merge_threshold`), a kind of event in common and
a specific anchor (a place, a figure, a name, a clock time), through an item published within
`cross_language_window` of it, so the caller can merge them (the same region and the same leaders, or a
report of the next day that reads like both stories, are no proof that they are one); two stories whose
cores name different participants (a bilateral and a trilateral meeting) are never merged, whatever one
loosely worded item shares with both.
Every window compares `time_apart`: a date a source gave without a time (Fingerprint.day_only) is its whole
day, so a time inside it or the same day is no distance; a time or a day outside it counts from its noon.
The thresholds were tuned on the development files of tests/data/ (tests/data/stories_multilang.yaml; the
fourth round validated its changes on the second test part, now stories_multilang_part2.yaml) and are measured
on a test part collected blind (docs/story-figures.md, tests/test_story_signature.py). Nothing here knows
about storage or Telegram: callers pass fingerprints and get a decision back."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Protocol

from rapidfuzz import fuzz

from feeds.classify import folds_letters
from feeds.language import script
from feeds.signature import (
    AGREE,
    CONTRADICT,
    DISTINCTIVE_FAMILIES,
    Signature,
    event_relation,
    same_figure,
    signature,
)
from feeds.textnorm import normalize_with_letters

LEAD_CHARACTERS = 300
RULE_NEW = "new"
RULE_TEXT = "text"
RULE_TEXT_SIGNATURE = "text+signature"
RULE_SIGNATURE = "signature"

_WORDS = re.compile(r"[^\w]+")


class StorySettings(Protocol):
    """The Settings fields the story rules read (storage.settings.Settings has them)."""

    @property
    def story_window_hours(self) -> float: ...
    @property
    def story_text_threshold(self) -> float: ...
    @property
    def story_text_evidence_threshold(self) -> float: ...
    @property
    def story_cross_language_hours(self) -> float: ...
    @property
    def story_entity_threshold(self) -> float: ...
    @property
    def story_merge_threshold(self) -> float: ...
    @property
    def story_generic_entities(self) -> str: ...
    @property
    def story_region_entities(self) -> str: ...


@dataclass(frozen=True, slots=True)
class StoryRules:
    """Thresholds of the merging decision (tuned on the development files, docs/story-figures.md)."""

    window: timedelta = timedelta(hours=48)
    # how far apart two near-duplicate texts may be published and still be one story
    text_window: timedelta = timedelta(hours=30)
    text_threshold: float = 74.0
    text_evidence_threshold: float = 60.0
    # a headline reporting a reaction beside one reporting the event repeats the event's words ("condemns the
    # fire that killed a serviceman"): near-duplicate wording joins them only at this score, unless they share
    # an actor (a name, a tracked person or body: one actor's statement and the call it makes) or the other's
    # lead reports a reaction too (a headline without the cue over a lead that "expressed concern")
    other_kind_text_threshold: float = 85.0
    cross_language_window: timedelta = timedelta(hours=12)
    entity_threshold: float = 0.4
    merge_threshold: float = 0.5
    generic_entities: frozenset[str] = frozenset({"armaz_border"})
    # places the size of a province or a whole theatre: every report of a crisis there names them, so they
    # prove little (a weak anchor) and never contradict a town or village inside them
    regions: frozenset[str] = frozenset(
        {"nagorno_karabakh", "syunik", "zangezur", "gegharkunik", "tavush", "nakhchivan", "kalbajar"}
    )
    # the weight of shared anchors the signature rule asks for: with events in agreement, and when one of the
    # items names no event. A shared place or a figure above 31 weighs 1, another entity, a name or a small
    # figure weighs `weak_anchor`
    anchors_with_events: float = 1.0
    anchors_without_events: float = 1.5
    weak_anchor: float = 0.5
    # a figure of 31 or less ("2 soldiers", "four villages") with events in agreement
    small_number_anchor: float = 1.0
    # a kind of event that tells stories of one day apart (feeds.signature.DISTINCTIVE_FAMILIES: martial law,
    # a phone call, an aid convoy) named by both
    distinctive_anchor: float = 0.5
    # a proper name both texts use that is no tracked entity ("Pelosi", "Trump"): as specific as a place
    name_anchor: float = 1.0
    # a date ("13 September") and a clock time ("09:00") both texts name
    date_anchor: float = 0.0
    clock_anchor: float = 0.5
    # an item joins a story only if it also agrees with the story's core, what at least `core_share` of its
    # items say (no contradiction, `core_anchors` of shared anchors): one item alike is not enough, or
    # stories chain through their looser members
    core_share: float = 0.5
    core_anchors: float = 0.5
    # anchors specific enough to show that two stories already told apart are one
    specific_kinds: tuple[str, ...] = ("place:", "number:", "name:", "clock:")
    # two items with events in agreement and one weak anchor (a region, a leader) are one story when their
    # signatures are nearly the same (Jaccard score): "Azerbaijan launches operation in Nagorno-Karabakh" and
    # "Азербайджан начал военную операцию в Карабахе"
    alike_score: float = 0.75
    # two full anchors (two places; a place and a figure) with events in agreement are strong evidence even
    # when one report says much more than the other (a long lead lowers the Jaccard score)
    many_anchors: float = 2.0
    many_anchors_score: float = 0.3
    # a short report whose whole signature the other holds ("Azerbaijan frees 10 more Armenian prisoners of
    # war" beside a long report of the release that names the 10 and much more) with events in agreement and
    # `anchors_with_events`: the Jaccard score falls with every part the long one adds, this share does not
    contained_share: float = 1.0
    # reports dated by the day only are read as noon: two of one night's event may be a day apart. Beyond
    # `cross_language_window` and up to `day_apart_window`, events in agreement and `day_apart_anchors` of
    # anchors (three places; two places and a name or a leader) at `day_apart_score`
    day_apart_window: timedelta = timedelta(hours=36)
    day_apart_anchors: float = 2.5
    day_apart_score: float = 0.3
    # a bare date's distance to a time or a date outside its day: from the day's edge (True), or from its noon
    # (False). From the edge, reports of consecutive days and an exact one of the evening before join by the
    # rules of `cross_language_window`: on the development files 21 more true cross-language pairs and 36
    # more wrong merges (a fuel depot blast and the next day's toll): the noon stays (docs/story-figures.md)
    days_as_intervals: bool = False
    # a date the text names up to `named_day_before` before its publication (or on it) dates the event it
    # reports: "on 12 June" in a report of the 13th is the 12th's news, the day of a report dated the 12th
    named_days: bool = False
    named_day_before: timedelta = timedelta(days=2)
    # besides the items tagged with a new item's entities, the newest tagged items of the window are its
    # candidates, whatever their entities, up to this many: a report tagged only with the border, or naming a
    # village no entity tracks, still meets the reports of its event, and the cost per batch stays bounded
    recent_candidates: int = 300
    # of those, each feed's newest this many at most: a feed posting hundreds of tagged items cannot take
    # every slot, leaving the reports of other sources out
    recent_candidates_per_source: int | None = 100  # None: no bound
    # of the items tagged with a new item's entities, each feed's newest this many are candidates: a feed
    # posting hundreds of new items a poll about the same places cannot make placing a batch cost more with
    # every poll (a real feed has far fewer of one place's items in the window)
    candidates_per_source: int | None = 500  # None: no bound
    # untagged items that name a kind of event are compared too (they never alert; they join a story)
    place_untagged: bool = True

    @classmethod
    def from_settings(cls, settings: StorySettings) -> StoryRules:
        """The rules configured by BORDERWATCH_STORY_* settings."""
        return cls(
            window=timedelta(hours=settings.story_window_hours),
            text_threshold=settings.story_text_threshold,
            text_evidence_threshold=settings.story_text_evidence_threshold,
            cross_language_window=timedelta(hours=settings.story_cross_language_hours),
            entity_threshold=settings.story_entity_threshold,
            merge_threshold=settings.story_merge_threshold,
            generic_entities=_ids(settings.story_generic_entities),
            regions=_ids(settings.story_region_entities),
        )


def _ids(value: str) -> frozenset[str]:
    """Entity ids from a comma-separated setting."""
    return frozenset(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the decision compares of one item: language, time, normalised text, entities, places and the
    language-independent signature (event types, figures, names)."""

    language: str | None
    published: datetime
    text: str
    entities: frozenset[str]
    places: frozenset[str]
    numbers: frozenset[str]
    story_id: int | None = None
    item_id: int | None = field(default=None, compare=False)
    # the feed it came from: a source never merges with itself (a second item of one feed is its own news)
    source: int | None = None
    events: frozenset[str] = frozenset()
    families: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    moments: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    # its headline reports a reaction to an event (feeds.signature.reports_reaction), not the event
    reaction: bool = False
    # its lead reports a reaction (feeds.signature.reports_reaction on the lead)
    reaction_in_lead: bool = False
    # its headline announces what is to come (feeds.signature.announces), not what happened
    prospect: bool = False
    # the sides its headline names (feeds.signature.sides)
    sides: frozenset[str] = frozenset()
    # `text` with its Azerbaijani letters folded, for an item that may be Azerbaijani ("" for any other)
    folded_text: str = ""
    # `published` is the noon of a day the source gave without a time: the item stands for the whole day
    day_only: bool = False
    # the tracked people its headline names (leaders, ministers): who takes part in a meeting or a call
    participants: frozenset[str] = frozenset()
    # the days its text names ("on 12 June", "13 сентября") near its publication: the days of its event
    named_days: frozenset[date] = frozenset()
    # the script its title and lead are written in (feeds.language.script): what tells whether an item of
    # no known language may be written like another
    script: str | None = None
    # everything `contradiction` reads of it, made once: decide asks it once per distinct value among the
    # candidates, not once per candidate (a crisis burst is millions of pairs, nearly all contradicting)
    conflict_key: tuple[frozenset[str], ...] = field(init=False, repr=False, compare=False)
    # its signature as typed tokens (_tokens), made once rather than for every pair compared
    tokens: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "conflict_key", (self.places, self.families, self.numbers, self.sides, self.participants)
        )
        object.__setattr__(self, "tokens", _tokens(self))


@dataclass(frozen=True, slots=True)
class StoryMatch:
    """Why an item may join a story: the rule, its score (0–1 for ranking; text rules report 0–100 in `score`)
    and the parts of the two signatures that agreed ("place:sev_lake", "event:fighting", "number:2", …)."""

    story_id: int
    rule: str
    score: float
    rank: float
    matched_item_id: int | None
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoryDecision:
    """The story an item joins (None: a new one), the rule that decided, its score, the matched item and the
    evidence; `merges` are other open stories the item shows to be the same one (to be merged into it)."""

    story_id: int | None
    rule: str
    score: float | None
    matched_item_id: int | None = None
    evidence: tuple[str, ...] = ()
    merges: tuple[StoryMatch, ...] = ()


def _language(language: str | None) -> str | None:
    if not language:
        return None
    return language.strip().lower().replace("_", "-").split("-")[0] or None


def fingerprint(
    title: str,
    summary: str,
    language: str | None,
    published: datetime,
    entity_ids: Iterable[str],
    *,
    places: Iterable[str] = (),
    events: Iterable[str] = (),
    mentions: Iterable[str] = (),
    rules: StoryRules = StoryRules(),
    story_id: int | None = None,
    item_id: int | None = None,
    source: int | None = None,
    day_only: bool = False,
    participants: Iterable[str] = (),
) -> Fingerprint:
    """The fingerprint of one item. `places` are those of its entity ids that are places (from the gazetteer);
    generic entities (rules.generic_entities) are left out of the entity set; `events` are the event types the
    classifier found (feeds.signature.event_types) and `mentions` the texts it matched as entities;
    `participants` the tracked people its headline names."""
    lead = summary[:LEAD_CHARACTERS]
    folded, written = normalize_with_letters(f"{title} {lead}")
    text = " ".join(_WORDS.sub(" ", written).split())
    entities = frozenset(entity_ids) - rules.generic_entities
    sig: Signature = signature(title, lead, language, events, mentions)
    return Fingerprint(
        language=_language(language),
        published=published,
        text=text,
        folded_text=" ".join(_WORDS.sub(" ", folded).split()) if folds_letters(_language(language)) else "",
        entities=entities,
        places=frozenset(places) & entities - rules.regions,
        regions=frozenset(places) & entities & rules.regions,
        numbers=sig.numbers,
        story_id=story_id,
        item_id=item_id,
        source=source,
        events=sig.events,
        families=sig.families,
        names=sig.names,
        moments=sig.moments,
        reaction=sig.reaction,
        reaction_in_lead=sig.reaction_in_lead,
        prospect=sig.prospect,
        sides=sig.sides,
        day_only=day_only,
        participants=frozenset(participants),
        named_days=_named_days(sig.moments, published, rules.named_day_before),
        script=script(f"{title} {lead}"),
    )


def _named_days(found: Iterable[str], published: datetime, before: timedelta) -> frozenset[date]:
    """The dates the text names ("date:6-12") that fall on the publication day or up to `before` earlier
    (the year is the publication's): the days its event may have happened on. Dates further back or ahead
    are other news (an agreement of last December, a meeting next week)."""
    days: set[date] = set()
    published_day = published.date()
    for token in found:
        kind, _, value = token.partition(":")
        if kind != "date":
            continue
        month, _, day = value.partition("-")
        for year in (published_day.year, published_day.year - 1):
            try:
                named = date(year, int(month), int(day))
            except ValueError:
                continue
            if published_day - before <= named <= published_day:
                days.add(named)
    return frozenset(days)


# half the day a date without a time stands for, around its noon (in the source's zone, or UTC)
_HALF_DAY = timedelta(hours=12)
# evidence that the times were compared as days: one item, or both, gave only its date (shown by /story)
DAY_COMPARED = "time:day"


def _span(fp: Fingerprint) -> tuple[datetime, datetime]:
    if not fp.day_only:
        return fp.published, fp.published
    return fp.published - _HALF_DAY, fp.published + _HALF_DAY


def time_apart(a: Fingerprint, b: Fingerprint, rules: StoryRules) -> timedelta:
    """How far apart two items were published. A date without a time stands for its whole day: a time inside
    that day, or the same day given by another source, is no distance from it. Otherwise the distance between
    the times, a bare date counted from its noon (what `day_apart_window` was tuned on); with
    `rules.days_as_intervals`, the distance between the day and the other time or day (0 when they touch).
    With `rules.named_days`, an item is also as far as a report dated by each day its text names near its
    publication: the least of those distances."""
    if not (rules.named_days and (a.named_days or b.named_days)):
        return _apart(a, b, rules)
    return min(_apart(one, other, rules) for one in _as_named_days(a) for other in _as_named_days(b))


def _as_named_days(fp: Fingerprint) -> list[Fingerprint]:
    """The item as published, and as a report dated by each day its text names."""
    zone = fp.published.tzinfo
    return [fp] + [
        replace(fp, published=datetime.combine(day, time(12), zone), day_only=True, named_days=frozenset())
        for day in sorted(fp.named_days)
    ]


def _apart(a: Fingerprint, b: Fingerprint, rules: StoryRules) -> timedelta:
    if not a.day_only and not b.day_only:
        return abs(a.published - b.published)
    a_start, a_end = _span(a)
    b_start, b_end = _span(b)
    if a_start < b_end and b_start < a_end:
        return timedelta(0)
    if rules.days_as_intervals:
        return max(timedelta(0), a_start - b_end, b_start - a_end)
    return abs(a.published - b.published)


def written_alike(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether two items may be written in one language, so that their wording is compared: both in one
    language, or one or both of no known language (feeds.language found none of ours) and written in one
    script. Two items of no known language are not one language: a Latin and a Cyrillic text never are,
    and a text of no known language in Latin letters may be an English or an Azerbaijani one."""
    if a.language is not None and b.language is not None:
        return a.language == b.language
    return a.script is not None and a.script == b.script


def text_score(a: Fingerprint, b: Fingerprint) -> float:
    """How alike the wording of two items is, 0–100 (rapidfuzz token-set ratio over title and lead). Two
    items that may be Azerbaijani, one of them written without its letters (a Telegram channel's "Ermenistan
    silahli quvveleri", an agency's "Ermənistan silahlı qüvvələri"), compare with their letters folded; two
    written with them compare as written."""
    if not a.text or not b.text:
        return 0.0
    if a.folded_text and b.folded_text and (a.folded_text == a.text or b.folded_text == b.text):
        return float(fuzz.token_set_ratio(a.folded_text, b.folded_text))
    return float(fuzz.token_set_ratio(a.text, b.text))


def _tokens(fp: Fingerprint) -> frozenset[str]:
    """The signature as one set of typed tokens (what the score compares and the evidence names)."""
    return (
        frozenset(
            f"place:{e}" if e in fp.places else f"region:{e}" if e in fp.regions else f"entity:{e}"
            for e in fp.entities
        )
        | frozenset(f"name:{n}" for n in fp.names)
        | frozenset(f"number:{n}" for n in fp.numbers)
        | frozenset(f"event:{f}" for f in fp.families)
        | fp.moments
    )


def contradiction(a: Fingerprint, b: Fingerprint) -> str | None:
    """Why two items cannot be one event ("places", "events", "numbers"), or None."""
    if a.places and b.places and not a.places & b.places:
        return "places"
    if event_relation(a.families, b.families) == CONTRADICT:
        return "events"
    if a.numbers and b.numbers and _figures_differ(a.numbers, b.numbers):
        return "numbers"
    # the side a headline names tells where only when no place does: two reports of one town or road name
    # the side that acted there ("Armenian troops opened fire", "Azerbaijan's border guards say"), one event
    # told by its two parties
    if len(a.sides) == 1 and len(b.sides) == 1 and a.sides != b.sides and not a.places & b.places:
        return "sides"
    if _meeting(a) and _meeting(b) and a.participants != b.participants:
        return "participants"
    return None


def _meeting(fp: Fingerprint) -> bool:
    """A meeting or a call whose headline names who takes part (two people or more): on a summit day the
    same leaders meet in twos and in threes, and a bilateral meeting is not the trilateral one beside it."""
    return len(fp.participants) >= 2 and bool(fp.families & _MEETING_FAMILIES)


_MEETING_FAMILIES = frozenset({"diplomacy", "phone_call"})


def _figures_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two sets of figures tell different news: none in common, or each with a figure the other
    lacks ("20 killed, 290 wounded" vs "68 killed, 290 wounded": a new toll, not the same report)."""
    if not any(x.startswith("~") for x in a) and not any(y.startswith("~") for y in b):
        # exact figures only: the same figure is the equal one (same_figure), so set differences decide;
        # placing a crisis burst compares millions of pairs
        return bool(a - b and b - a)
    only_a = [x for x in a if not any(same_figure(x, y) for y in b)]
    only_b = [y for y in b if not any(same_figure(x, y) for x in a)]
    return bool(only_a and only_b)


def _shared_numbers(a: frozenset[str], b: frozenset[str]) -> set[str]:
    """Figures in common: equal, or an approximate one ("nearly 50": "~50") within a tenth of the other
    ("49"); named by the exact one."""
    shared: set[str] = set()
    for x in a:
        for y in b:
            if same_figure(x, y):
                shared.add(x if not x.startswith("~") else y)
    return shared


@dataclass(frozen=True, slots=True)
class _Evidence:
    score: float
    anchors: float
    events: str
    shared: tuple[str, ...]
    # the share of the smaller signature that the other holds (1.0: all a short report says, the long one
    # says too)
    contained: float = 0.0


def _shared_names(a: frozenset[str], b: frozenset[str]) -> set[str]:
    """Names in common: equal keys, or one key a prefix of the other (case endings add consonants: "Алиевым",
    "Պուտինին"); named by the shorter key."""
    shared: set[str] = set()
    for x in a:
        for y in b:
            if x.startswith(y) or y.startswith(x):
                shared.add(min(x, y, key=len))
    return shared


def _weight(token: str, rules: StoryRules) -> float:
    """How much a shared anchor proves: a place, or a figure that cannot be a day of the month, fully; a
    person, an organisation, a name, a small figure less."""
    kind, _, value = token.partition(":")
    if kind == "place":
        return 1.0
    if kind == "number":
        value = value.lstrip("~")
        return 1.0 if not value.isdigit() or int(value) > 31 else rules.small_number_anchor
    if kind == "name":
        return rules.name_anchor
    if kind == "date":
        return rules.date_anchor
    if kind == "clock":
        return rules.clock_anchor
    if kind == "event":
        return rules.distinctive_anchor if value in DISTINCTIVE_FAMILIES else 0.0
    return rules.weak_anchor


def _evidence(a: Fingerprint, b: Fingerprint, rules: StoryRules) -> _Evidence:
    ta, tb = a.tokens, b.tokens
    plain = {t for t in ta & tb if not t.startswith(("name:", "number:"))}
    names = {f"name:{n}" for n in _shared_names(a.names, b.names)}
    figures = {f"number:{n}" for n in _shared_numbers(a.numbers, b.numbers)}
    shared = plain | names | figures
    union = len(ta) + len(tb) - len(shared)
    anchors = sum(_weight(token, rules) for token in shared)
    if _elsewhere(a, b):
        # both say where and name no place in common (a town and a region it may or may not be in): a small
        # figure ("two soldiers wounded") is common news on any stretch of the border, so it counts as weak
        anchors -= sum(
            rules.small_number_anchor - rules.weak_anchor
            for token in figures
            if _weight(token, rules) == rules.small_number_anchor and _small(token)
        )
    relation = event_relation(a.families, b.families)
    smaller = min(len(ta), len(tb))
    return _Evidence(
        score=len(shared) / union if union else 0.0,
        anchors=anchors,
        events=relation,
        shared=tuple(sorted(shared)),
        contained=len(shared) / smaller if smaller else 0.0,
    )


def _elsewhere(a: Fingerprint, b: Fingerprint) -> bool:
    """Both items say where it happened and share no place or region."""
    here, there = a.places | a.regions, b.places | b.regions
    return bool(here and there and not here & there)


def _small(token: str) -> bool:
    value = token.partition(":")[2].lstrip("~")
    return value.isdigit() and int(value) <= 31


def _signature_holds(evidence: _Evidence, threshold: float, rules: StoryRules) -> bool:
    """Events in agreement and `anchors_with_events` anchors, or (one side naming no event)
    `anchors_without_events`; the score at the threshold."""
    if evidence.score < threshold:
        return False
    if evidence.events == AGREE:
        return evidence.anchors >= rules.anchors_with_events
    return evidence.anchors >= rules.anchors_without_events


def _signature_matches(evidence: _Evidence, gap: timedelta, rules: StoryRules) -> bool:
    """The signature rule for two items `gap` apart. Within `cross_language_window`: the full evidence
    (_signature_holds); or events in agreement and `many_anchors` (two places, a place and a figure) at a
    lower score (`many_anchors_score`: one report says much more than the other); or events in agreement,
    a full anchor and all of the smaller signature in the other (`contained_share`); or events in agreement,
    one weak anchor (a region, a leader) and signatures nearly the same (`alike_score`). Up to
    `day_apart_window`, as far apart as two reports dated by the day only (read as noon) of an event around
    midnight: events in agreement and `day_apart_anchors` (three places, two places and a figure…)."""
    if gap <= rules.cross_language_window:
        if _signature_holds(evidence, rules.entity_threshold, rules):
            return True
        if (
            evidence.events == AGREE
            and evidence.anchors >= rules.many_anchors
            and evidence.score >= rules.many_anchors_score
        ):
            return True
        if (
            evidence.events == AGREE
            and evidence.contained >= rules.contained_share
            and evidence.anchors >= rules.anchors_with_events
        ):
            return True
        return (
            evidence.events == AGREE
            and evidence.score >= rules.alike_score
            and evidence.anchors >= rules.weak_anchor
        )
    return (
        gap <= rules.day_apart_window
        and evidence.events == AGREE
        and evidence.score >= rules.day_apart_score
        and evidence.anchors >= rules.day_apart_anchors
    )


def _match(item: Fingerprint, candidate: Fingerprint, rules: StoryRules) -> StoryMatch | None:
    """How `item` may join the candidate's story, or None."""
    if contradiction(item, candidate) is not None:
        return None
    return _match_uncontradicted(item, candidate, rules)


def _match_uncontradicted(item: Fingerprint, candidate: Fingerprint, rules: StoryRules) -> StoryMatch | None:
    """_match of a candidate known not to contradict `item`."""
    assert candidate.story_id is not None
    evidence = _evidence(item, candidate, rules)
    gap = time_apart(item, candidate, rules)
    if item.day_only or candidate.day_only:
        evidence = replace(evidence, shared=(*evidence.shared, DAY_COMPARED))
    close = gap <= rules.cross_language_window
    # a reaction and the event it reacts to, an announcement and what then happened: alike in signature,
    # never one story by it
    other_kind = item.reaction != candidate.reaction or item.prospect != candidate.prospect
    if other_kind:
        close = False
    if written_alike(item, candidate):
        score = text_score(item, candidate)
        threshold = rules.text_threshold
        if (
            item.reaction != candidate.reaction
            and (item.reaction or item.reaction_in_lead) != (candidate.reaction or candidate.reaction_in_lead)
            and not any(token.startswith(("name:", "entity:")) for token in evidence.shared)
        ):
            threshold = rules.other_kind_text_threshold
        if item.prospect != candidate.prospect:
            # "a meeting will take place in Sochi" and "talks held in Sochi" share most words: the
            # announcement is a story of its own, by wording too unless nearly the same text
            threshold = max(threshold, rules.other_kind_text_threshold)
        if score >= threshold and gap <= rules.text_window:
            return StoryMatch(
                candidate.story_id,
                RULE_TEXT,
                round(score, 1),
                score / 100,
                candidate.item_id,
                evidence.shared,
            )
        if (
            close
            and score >= rules.text_evidence_threshold
            and _signature_holds(evidence, rules.entity_threshold / 2, rules)
        ):
            return StoryMatch(
                candidate.story_id,
                RULE_TEXT_SIGNATURE,
                round(score, 1),
                score / 100,
                candidate.item_id,
                evidence.shared,
            )
    # two reactions to one event share its signature whoever reacts: they are one story only by one actor
    other_actor = (
        item.reaction
        and candidate.reaction
        and not any(token.startswith(("name:", "entity:")) for token in evidence.shared)
    )
    if not other_kind and not other_actor and _signature_matches(evidence, gap, rules):
        return StoryMatch(
            candidate.story_id,
            RULE_SIGNATURE,
            round(evidence.score, 3),
            evidence.score,
            candidate.item_id,
            evidence.shared,
        )
    return None


def _proves_merge(found: StoryMatch, rules: StoryRules) -> bool:
    """Whether a match is strong enough to show that two stories already told apart are one: a kind of event
    in common and a specific anchor (a place, a figure, a name or a clock time), not only the same region or
    the same leaders."""
    shared = found.evidence
    events = any(token.startswith("event:") for token in shared)
    return events and any(token.startswith(rules.specific_kinds) for token in shared)


def _better(found: StoryMatch, best: StoryMatch | None) -> bool:
    """Higher rank wins; on a tie, the older story."""
    return (
        best is None or found.rank > best.rank or (found.rank == best.rank and found.story_id < best.story_id)
    )


def _story_agrees(
    item: Fingerprint, members: Sequence[Fingerprint], text_match: bool, rules: StoryRules
) -> bool:
    """Whether an item that matches some of a story's items agrees with the story, not with one loose member
    (single-link chaining: a reaction that matched the operation, then the next reaction that matched it):
    it contradicts nothing of the story's core (what at least `core_share` of its items say) and shares
    `core_anchors` with it, or reads as a near-duplicate of one of its items."""
    core = _story_core(members, rules.core_share)
    if contradiction(item, core) is not None:
        return False
    return text_match or _evidence(item, core, rules).anchors >= rules.core_anchors


def _story_core(members: Sequence[Fingerprint], share: float) -> Fingerprint:
    """What most of a story's items say: the entities, places, figures, names and event families that at
    least `share` of its members hold (figures and names compared as the pairwise rules compare them)."""
    need = max(1.0, share * len(members))

    def held(values: Iterable[str], has: Callable[[Fingerprint, str], bool]) -> frozenset[str]:
        return frozenset(v for v in set(values) if sum(1 for m in members if has(m, v)) >= need)

    entities = held((e for m in members for e in m.entities), lambda m, v: v in m.entities)
    numbers = held(
        (n for m in members for n in m.numbers), lambda m, v: any(same_figure(v, x) for x in m.numbers)
    )
    names = held(
        (n for m in members for n in m.names),
        lambda m, v: any(v.startswith(x) or x.startswith(v) for x in m.names),
    )
    families = held((f for m in members for f in m.families), lambda m, v: v in m.families)
    # who takes part, as the story's meetings that name two people or more say it
    meetings = [m for m in members if _meeting(m)]
    participants = frozenset(
        p
        for p in {p for m in meetings for p in m.participants}
        if 2 * sum(p in m.participants for m in meetings) >= len(meetings)
    )
    places = frozenset(p for m in members for p in m.places) & entities
    regions = frozenset(r for m in members for r in m.regions) & entities
    first = members[0]
    return Fingerprint(
        language=None,
        published=first.published,
        text="",
        entities=entities,
        places=places,
        regions=regions,
        numbers=numbers,
        story_id=first.story_id,
        families=families,
        names=names,
        reaction=sum(1 for m in members if m.reaction) >= need,
        prospect=sum(1 for m in members if m.prospect) >= need,
        participants=participants,
    )


class CandidatePool:
    """The candidates of `decide`, indexed: by what `contradiction` reads of them (their conflict_key), so a
    new item is checked once against each distinct key rather than against every candidate (a crisis burst
    is thousands of items of a few events, millions of pairs nearly all contradicting), and by story, in the
    order they were added (a story's members, for its core). Candidates without a story are never members."""

    def __init__(self, candidates: Iterable[Fingerprint] = ()) -> None:
        self.items: list[Fingerprint] = []
        self.by_key: dict[tuple[frozenset[str], ...], list[int]] = {}
        self.by_story: dict[int, list[int]] = {}
        for candidate in candidates:
            self.add(candidate)

    def add(self, candidate: Fingerprint) -> None:
        if candidate.story_id is None:
            return
        at = len(self.items)
        self.items.append(candidate)
        self.by_key.setdefault(candidate.conflict_key, []).append(at)
        self.by_story.setdefault(candidate.story_id, []).append(at)


def decide(item: Fingerprint, candidates: Sequence[Fingerprint], rules: StoryRules) -> StoryDecision:
    """The story `item` joins among the candidates' stories, or a new story (rule "new"). The best-ranked
    match wins (on a tie, the older story); every other story the item matches strongly (rank at
    `merge_threshold` or more) is listed in `merges`, best first."""
    return decide_in(item, CandidatePool(candidates), rules)


def decide_in(item: Fingerprint, pool: CandidatePool, rules: StoryRules) -> StoryDecision:
    """decide among the candidates of `pool`. A candidate is compared when it is within `window` of the item
    and of another source; a story is considered when one of those does not contradict the item."""
    best_by_story: dict[int, StoryMatch] = {}
    pooled = pool.items
    # time_apart without its call when neither side is dated by the day (what it then returns)
    by_time = not item.day_only and not (rules.named_days and item.named_days)

    def eligible(candidate: Fingerprint) -> bool:
        if item.source is not None and item.source == candidate.source:
            return False
        if by_time and not candidate.day_only and not (rules.named_days and candidate.named_days):
            return abs(item.published - candidate.published) <= rules.window
        return time_apart(item, candidate, rules) <= rules.window

    # contradiction reads only a candidate's conflict_key: asked once per key
    uncontradicted = sorted(
        at
        for positions in pool.by_key.values()
        if contradiction(item, pooled[positions[0]]) is None
        for at in positions
    )
    open_by_story: dict[int, list[Fingerprint]] = {}
    for at in uncontradicted:
        candidate = pooled[at]
        if eligible(candidate):
            assert candidate.story_id is not None
            open_by_story.setdefault(candidate.story_id, []).append(candidate)
    members: dict[int, list[Fingerprint]] = {
        story_id: [pooled[at] for at in pool.by_story[story_id] if eligible(pooled[at])]
        for story_id in open_by_story
    }
    # the best match of each story, and the best among items close enough in time to prove two stories one
    close_by_story: dict[int, StoryMatch] = {}
    for story_id, items in members.items():
        found_all = [(c, _match_uncontradicted(item, c, rules)) for c in open_by_story[story_id]]
        agreeing = [(c, m) for c, m in found_all if m is not None]
        if not agreeing:
            continue
        if not _story_agrees(item, items, any(m.rule == RULE_TEXT for _, m in agreeing), rules):
            continue
        for candidate, found in agreeing:
            if _better(found, best_by_story.get(story_id)):
                best_by_story[story_id] = found
            if time_apart(item, candidate, rules) <= rules.cross_language_window and _better(
                found, close_by_story.get(story_id)
            ):
                close_by_story[story_id] = found
    if not best_by_story:
        return StoryDecision(None, RULE_NEW, None)
    ranked = sorted(best_by_story.values(), key=lambda m: (-m.rank, m.story_id))
    best = ranked[0]
    merges = tuple(
        sorted(
            (
                m
                for story_id, m in close_by_story.items()
                if story_id != best.story_id
                and m.rank >= rules.merge_threshold
                and _proves_merge(m, rules)
                # two stories told apart whose cores name different participants (a bilateral meeting and
                # the trilateral one beside it) stay apart, whatever one loosely worded item shares with both;
                # other contradictions of two cores are left to the merge's own proof (blocking them all lost
                # true pairs on the files it was not tuned on, docs/story-figures.md, sixth round)
                and contradiction(
                    _story_core(members[story_id], rules.core_share),
                    _story_core(members[best.story_id], rules.core_share),
                )
                != "participants"
            ),
            key=lambda m: (-m.rank, m.story_id),
        )
    )
    return StoryDecision(best.story_id, best.rule, best.score, best.matched_item_id, best.evidence, merges)


__all__ = [
    "DAY_COMPARED",
    "RULE_NEW",
    "RULE_SIGNATURE",
    "RULE_TEXT",
    "RULE_TEXT_SIGNATURE",
    "CandidatePool",
    "Fingerprint",
    "StoryDecision",
    "StoryMatch",
    "StoryRules",
    "contradiction",
    "decide",
    "decide_in",
    "fingerprint",
    "text_score",
    "time_apart",
    "written_alike",
]
