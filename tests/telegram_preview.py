"""Telegram's public channel preview (t.me/s/<channel>) as the tests' feed server serves it.

The markup follows the real page (tests/data/telegram/syunik_watch.html is a full copy with every kind of
post): a channel header, a `tgme_channel_history` section whose posts run oldest to newest, each a
`tgme_widget_message` with `data-post="<channel>/<id>"`, its text in `tgme_widget_message_text` (lines
separated by <br/>), its time in the `<time datetime>` of the date link; the "older posts" link carries
`data-before`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

FIXTURES = Path(__file__).parent / "data" / "telegram"

# what https://t.me/s/<name> redirects to when <name> is no public channel (a user, a private channel)
CONTACT_PAGE = """<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <title>Telegram: Contact @{name}</title>
    <meta property="og:title" content="{name}">
    <meta property="og:description" content="You can contact @{name} right away.">
  </head>
  <body class="no_transition">
    <div class="tgme_page_wrap">
      <div class="tgme_head_wrap"><div class="tgme_head"><a href="//telegram.org/" class="tgme_head_brand">
      </a></div></div>
      <div class="tgme_body_wrap">
        <div class="tgme_page">
          <div class="tgme_page_photo"><a href="tg://resolve?domain={name}"><img class="tgme_page_photo_image"
            src="https://cdn4.cdn-telegram.org/file/user.jpg"></a></div>
          <div class="tgme_page_title"><span dir="auto">{name}</span></div>
          <div class="tgme_page_extra">@{name}</div>
          <div class="tgme_page_description">If you have <strong>Telegram</strong>, you can contact
            <a class="tgme_username_link" href="tg://resolve?domain={name}">@{name}</a> right away.</div>
          <div class="tgme_page_action"><a class="tgme_action_button_new shine"
            href="tg://resolve?domain={name}">Send Message</a></div>
        </div>
      </div>
    </div>
  </body>
</html>
"""


@dataclass(frozen=True)
class Post:
    """One text post: its id, its lines of text (plain text, escaped when served) and its time."""

    id: int
    lines: tuple[str, ...]
    at: datetime

    @classmethod
    def text(cls, post_id: int, text: str, at: datetime) -> Post:
        return cls(post_id, tuple(text.split("\n")), at)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def preview_page(
    channel: str, title: str, posts: list[Post], *, before: int | None = None, views: int = 100
) -> str:
    """The preview page showing `posts` (given in any order; shown oldest first) with an "older posts"
    link to ?before=`before` (default: the oldest post shown, when it is not post 1). `views` changes the
    view counters only, as every reload of the real page does."""
    shown = sorted(posts, key=lambda post: post.id)
    if before is None and shown and shown[0].id > 1:
        before = shown[0].id
    more = (
        f'<div class="tgme_widget_message_centered js-messages_more_wrap">'
        f'<a href="/s/{channel}?before={before}" data-before="{before}"'
        f' class="tme_messages_more js-messages_more"></a></div>'
        if before is not None
        else ""
    )
    widgets = "\n".join(_widget(channel, title, post, views) for post in shown)
    name = html.escape(title)
    return f"""<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <title>{name} – Telegram</title>
    <meta property="og:title" content="{name}">
    <link rel="canonical" href="https://t.me/s/{channel}"/>
  </head>
  <body class="widget_frame_base tgme_webpreview emoji_image nodark">
    <main class="tgme_main">
      <div class="tgme_container">
        <section class="tgme_right_column">
          <div class="tgme_channel_info">
            <div class="tgme_channel_info_header">
              <div class="tgme_channel_info_header_title"><span dir="auto">{name}</span></div>
              <div class="tgme_channel_info_header_username"><a href="https://t.me/{channel}">@{channel}</a></div>
            </div>
          </div>
        </section>
        <section class="tgme_channel_history js-message_history">
          {more}
          {widgets}
        </section>
      </div>
    </main>
  </body>
</html>
"""


def _widget(channel: str, title: str, post: Post, views: int) -> str:
    text = "<br/>".join(html.escape(line) for line in post.lines)
    when = post.at.astimezone(UTC)
    return f"""<div class="tgme_widget_message_wrap js-widget_message_wrap">
  <div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{channel}/{post.id}" data-view="eyJwIjo{post.id}">
    <div class="tgme_widget_message_bubble">
      <div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" href="https://t.me/{channel}"><span dir="auto">{html.escape(title)}</span></a></div>
      <div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>
      <div class="tgme_widget_message_footer compact js-message_footer">
        <div class="tgme_widget_message_info short js-message_info">
          <span class="tgme_widget_message_views">{views}</span><span class="copyonly"> views</span><span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/{channel}/{post.id}"><time datetime="{when.isoformat()}" class="time">{when:%H:%M}</time></a></span>
        </div>
      </div>
    </div>
  </div>
</div>"""  # noqa: E501 - the page's own long lines
