"""Placing a batch of new items in stories: pure, from the items' fingerprints and the open stories' items.

Items are placed oldest first, so a batch can form stories of its own: a story the batch starts has a
stand-in id (-1, -2, …) until feeds/store.py inserts it. feeds.stories decides for each item to compare (the
tagged ones, and untagged ones naming a kind of event); an item that shows two open stories to be one merges
the newer into the older (their severities combine). The others always start a story of their own: they
never alert, and comparing them costs time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from feeds.stories import RULE_NEW, CandidatePool, Fingerprint, StoryDecision, StoryRules, decide_in
from storage.severity import higher_severity, severity_rank


@dataclass(frozen=True, slots=True)
class NewStoryItem:
    """A new item to place: its id, fingerprint (no story yet), severity and whether it is compared with the
    open stories (otherwise it starts one of its own)."""

    item_id: int
    fingerprint: Fingerprint
    severity: str | None
    compared: bool


@dataclass(frozen=True, slots=True)
class Joined:
    """Where one new item went: its story, the rule and score that decided, the story's severity before and
    after it joined, the item it matched, the evidence, and the stored stories it showed to be this one."""

    item_id: int
    story_id: int
    rule: str
    score: float | None
    severity_before: str | None
    severity_after: str | None
    matched_item: int | None = None
    evidence: tuple[str, ...] = ()
    merged: tuple[int, ...] = ()

    @property
    def new_story(self) -> bool:
        return self.rule == RULE_NEW

    @property
    def raised(self) -> bool:
        """This item made an existing story graver."""
        return not self.new_story and severity_rank(self.severity_after) < severity_rank(self.severity_before)


@dataclass
class Placement:
    """The batch placed: each item's story (stand-ins for the stories it starts), the severity of every story
    involved, and which stories turned out to be one with an older one."""

    joined: dict[int, Joined]
    # stand-in → the item that starts it (only stories not merged into another in this batch)
    started: dict[int, int]
    severity: dict[int, str | None]
    merged_into: dict[int, int] = field(default_factory=dict)

    def current(self, story_id: int) -> int:
        """The story `story_id` ended up in (itself unless merged)."""
        while story_id in self.merged_into:
            story_id = self.merged_into[story_id]
        return story_id

    def new_stories(self) -> list[tuple[int, str | None]]:
        """(first item, severity) of every story the batch starts, in order."""
        return [(item_id, self.severity[self.current(key)]) for key, item_id in self.started.items()]

    def resolve(self, story_ids: Sequence[int]) -> Resolved:
        """The placement with the ids the started stories got (in new_stories' order)."""
        real = dict(zip(self.started, story_ids, strict=True))

        def final(story_id: int) -> int:
            story_id = self.current(story_id)
            return real.get(story_id, story_id)

        joined = {
            item_id: replace(
                j, story_id=final(j.story_id), severity_after=self.severity[self.current(j.story_id)]
            )
            for item_id, j in self.joined.items()
        }
        absorbed: dict[int, list[int]] = {}
        for newer in self.merged_into:
            if newer > 0:
                absorbed.setdefault(final(newer), []).append(newer)
        stored = {key: level for key, level in self.severity.items() if key > 0}
        return Resolved(joined, absorbed, stored, set(story_ids))


@dataclass
class Resolved:
    """A placement with real story ids: each item's story, the stored stories each survivor absorbs, the
    known severities of stored stories, and the ids of the stories the batch started."""

    joined: dict[int, Joined]
    absorbed: dict[int, list[int]]
    severity: dict[int, str | None]
    started: set[int]

    def absorbed_into(self, survivor: int, merged_severity: str | None) -> None:
        """Record the severity of `survivor` once the stories it absorbed were merged into it."""
        self.severity[survivor] = higher_severity(self.severity.get(survivor), merged_severity)

    def grown(self) -> dict[int, str | None]:
        """The new severity of each stored story that new items joined: the highest of its own and theirs."""
        levels: dict[int, str | None] = {}
        for j in self.joined.values():
            if j.new_story or j.story_id in self.started:
                continue
            level = levels.get(j.story_id, self.severity.get(j.story_id))
            levels[j.story_id] = higher_severity(level, j.severity_after)
        return levels


def _order(story_id: int) -> tuple[int, int]:
    """Stories by age: stored ones by id, then the ones this batch starts (stand-ins -1, -2, …)."""
    return (0, story_id) if story_id > 0 else (1, -story_id)


def place(
    items: Sequence[NewStoryItem],
    candidates: Sequence[Fingerprint],
    severities: dict[int, str | None],
    rules: StoryRules,
) -> Placement:
    """Place `items` (see the module docstring). `candidates` are the fingerprints of the open stories' items,
    `severities` those stories' severities."""
    pool = list(candidates)
    severity: dict[int, str | None] = dict(severities)
    placement = Placement({}, {}, severity)
    started: dict[int, int] = {}
    # the pool with every item in the story it is in now (indexed for decide_in): made again only after a
    # merge (merges only add to merged_into), else grown with each compared item, whose story is a current
    # one; a burst of thousands of items otherwise remade it for every item
    current = CandidatePool()
    merges_seen = -1
    for item in sorted(items, key=lambda one: (one.fingerprint.published, one.item_id)):
        fp = item.fingerprint
        if item.compared:
            merged_into = placement.merged_into
            if len(merged_into) != merges_seen:
                current = CandidatePool(
                    replace(c, story_id=placement.current(c.story_id)) if c.story_id in merged_into else c
                    for c in pool
                )
                merges_seen = len(merged_into)
            decision = decide_in(fp, current, rules)
        else:
            decision = StoryDecision(None, RULE_NEW, None)
        merged: list[int] = []  # stored stories this item showed to be one with an older one
        if decision.story_id is None:
            story_id = -1 - len(started)
            started[story_id] = item.item_id
            before = None
            severity[story_id] = item.severity
        else:
            story_id = decision.story_id
            before = severity.get(story_id)
            severity[story_id] = higher_severity(before, item.severity)
            for match in decision.merges:
                other = placement.current(match.story_id)
                if other == story_id:
                    continue
                older, newer = sorted((story_id, other), key=_order)
                if newer > 0:
                    merged.append(newer)
                placement.merged_into[newer] = older
                severity[older] = higher_severity(severity.get(older), severity.get(newer))
                story_id = older
        placement.joined[item.item_id] = Joined(
            item.item_id,
            story_id,
            decision.rule,
            decision.score,
            before,
            severity[story_id],
            decision.matched_item_id,
            decision.evidence,
            tuple(merged),
        )
        if item.compared:
            pool.append(replace(fp, story_id=story_id))
            current.add(pool[-1])
    # stories started by this batch and merged into another in it are never inserted
    placement.started = {key: item_id for key, item_id in started.items() if key not in placement.merged_into}
    return placement


__all__ = ["Joined", "NewStoryItem", "Placement", "Resolved", "place"]
