"""Edited items: a stored item whose source changed its text in place (an edited Telegram post).

The item keeps its id, story and deliveries (an edit never alerts again); its title, summary, content hash,
tags and severity become those of the new text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from feeds.model import NewItem
from storage.models import Item
from storage.tags import replace_item_tags

_KEYS_PER_QUERY = 500


async def stored_content_hashes(
    session: AsyncSession, feed_id: int, identity_keys: Iterable[str]
) -> dict[str, str]:
    """identity key → stored content hash, for those of `identity_keys` the feed has."""
    keys = sorted(set(identity_keys))
    found: dict[str, str] = {}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        rows = await session.execute(
            select(Item.identity_key, Item.content_hash).where(
                Item.feed_id == feed_id, Item.identity_key.in_(keys[start : start + _KEYS_PER_QUERY])
            )
        )
        found.update({key: content_hash for key, content_hash in rows.all()})
    return found


async def update_edited_items(session: AsyncSession, feed_id: int, items: Sequence[NewItem]) -> int:
    """Give the feed's stored items with these identity keys their new text, hash and (classified) tags.

    Nothing is queued for delivery. Returns how many stored items changed.
    """
    changed = 0
    for item in items:
        item_id = await session.scalar(
            update(Item)
            .where(
                Item.feed_id == feed_id,
                Item.identity_key == item.identity_key,
                Item.content_hash != item.content_hash,
            )
            .values(title=item.entry.title, summary=item.entry.summary, content_hash=item.content_hash)
            .returning(Item.id)
        )
        if item_id is not None:
            await replace_item_tags(session, item_id, item.classification)
            changed += 1
    return changed
