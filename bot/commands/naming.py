"""Entities as users name them: display names, and free text ("Sev Lake, csto Лачинский коридор") to ids.

Wraps the live gazetteer (feeds.gazetteer.Gazetteer) so handlers never depend on its internals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# a user who types more than this is not naming entities
MAX_NAMES_TEXT = 1000
MAX_WORDS = 40
_SEPARATORS = re.compile(r"[,;\n]+")
ALL_WORDS = frozenset({"all", "*", "все", "всё", "բոլորը", "hamısı"})


@dataclass(frozen=True, slots=True)
class EntityRef:
    """A tracked entity as replies show it."""

    id: str
    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class NamedEntities:
    """What a list of names resolved to: the entities found (in order, once each), the unknown phrases, and
    whether "all" was asked for."""

    found: tuple[EntityRef, ...]
    unknown: tuple[str, ...]
    everything: bool

    @property
    def empty(self) -> bool:
        return not self.found and not self.unknown and not self.everything


class Names:
    """Display names and name resolution over one gazetteer (None: an empty one)."""

    def __init__(self, gazetteer: Any) -> None:
        self._gazetteer = gazetteer
        entities = list(getattr(gazetteer, "entities", None) or ())
        self.entities: tuple[EntityRef, ...] = tuple(
            EntityRef(id=str(e.id), kind=str(e.kind), name=str(e.name)) for e in entities
        )
        self._by_id = {entity.id: entity for entity in self.entities}

    def _ref(self, value: Any) -> EntityRef | None:
        if value is None:
            return None
        entity_id = value if isinstance(value, str) else getattr(value, "id", None)
        return self._by_id.get(str(entity_id)) if entity_id is not None else None

    def name(self, entity_id: str) -> str:
        """The display name of `entity_id` (the id itself for an entity no longer in the gazetteer)."""
        entity = self._by_id.get(entity_id)
        return entity.name if entity else entity_id

    def names(self, entity_ids: list[str] | tuple[str, ...]) -> str:
        """Display names joined with commas."""
        return ", ".join(self.name(entity_id) for entity_id in entity_ids)

    def resolve(self, text: str) -> EntityRef | None:
        """The entity named by `text` (id or any alias, any language, case or inflection), or None."""
        text = " ".join(text.split())
        if not text or self._gazetteer is None:
            return None
        direct = self._by_id.get(text.lower())
        if direct is not None:
            return direct
        return self._ref(self._gazetteer.resolve(text))

    def suggest(self, text: str, n: int = 3) -> list[EntityRef]:
        """Up to `n` entities whose names look like `text`, best first."""
        if self._gazetteer is None:
            return []
        refs = (self._ref(value) for value in self._gazetteer.suggest(text, n=n))
        return [ref for ref in refs if ref is not None][:n]

    def parse(self, text: str) -> NamedEntities:
        """Entities named in `text`: separated by commas, semicolons or lines, or simply by spaces.

        Within a part the longest run of words that names an entity wins ("Lachin corridor" before "Lachin");
        words that name nothing are gathered into unknown phrases for "did you mean".
        """
        found: dict[str, EntityRef] = {}
        unknown: list[str] = []
        everything = False
        resolved: dict[str, EntityRef | None] = {}  # a typed list repeats phrases; each is looked up once
        for part in _SEPARATORS.split(text[:MAX_NAMES_TEXT]):
            words = part.split()[:MAX_WORDS]
            if not words:
                continue
            if len(words) == 1 and words[0].lower() in ALL_WORDS:
                everything = True
                continue
            whole = self._resolve_once(" ".join(words), resolved)
            if whole is not None:
                found.setdefault(whole.id, whole)
                continue
            part_found, part_unknown, part_everything = self._split(words, resolved)
            # a split that found nothing leaves the part one unknown phrase anyway: no suggestion needed
            split_found_something = bool(part_found) or part_everything
            if part_unknown and split_found_something and self.suggest(" ".join(words)):
                # "Zangezur corridr" is a misspelt name, not Zangezur plus an unknown word
                unknown.append(" ".join(words))
                continue
            for entity in part_found:
                found.setdefault(entity.id, entity)
            unknown.extend(part_unknown)
            everything = everything or part_everything
        return NamedEntities(found=tuple(found.values()), unknown=tuple(unknown), everything=everything)

    def _resolve_once(self, text: str, resolved: dict[str, EntityRef | None]) -> EntityRef | None:
        if text not in resolved:
            resolved[text] = self.resolve(text)
        return resolved[text]

    def _split(
        self, words: list[str], resolved: dict[str, EntityRef | None]
    ) -> tuple[list[EntityRef], list[str], bool]:
        """Longest runs of words that name entities, and the runs that name nothing."""
        found: list[EntityRef] = []
        unknown: list[str] = []
        everything = False
        pending: list[str] = []
        start = 0
        while start < len(words):
            match = None
            for end in range(len(words), start, -1):
                match = self._resolve_once(" ".join(words[start:end]), resolved)
                if match is not None:
                    break
            if match is None:
                if words[start].lower() in ALL_WORDS:
                    everything = True
                else:
                    pending.append(words[start])
                start += 1
                continue
            if pending:
                unknown.append(" ".join(pending))
                pending = []
            found.append(match)
            start = end
        if pending:
            unknown.append(" ".join(pending))
        return found, unknown, everything
