"""Settings from the environment (prefix BORDERWATCH_) over the TOML file named by BORDERWATCH_CONFIG."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from storage.errors import ConfigError

DEFAULT_CONFIG_FILE = "config/borderwatch.toml"
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
# never echoed back in an error message (a database URL may hold a password)
_SECRET_FIELDS = frozenset({"telegram_token", "webhook_secret", "database_url"})
DEFAULT_USER_AGENT = "borderwatch/0.1 (+https://github.com/borderwatch/borderwatch; news alert bot)"
# Telegram's broadcast limits in messages per second: free, and with allow_paid_broadcast (charged in Stars)
FREE_SEND_RATE = 30
PAID_SEND_RATE = 1000


class Settings(BaseSettings):
    """Every setting of borderwatch, with the defaults of the public contract (DESIGN.md)."""

    model_config = SettingsConfigDict(env_prefix="BORDERWATCH_", extra="ignore", frozen=True)

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    database_url: str = "sqlite+aiosqlite:///data/borderwatch.db"
    admins: str = ""
    poll_interval: int = Field(default=60, ge=10)
    # the slowest a quiet feed may be polled; unset, it is poll_interval (no adaptive slowing)
    poll_max_interval: int = Field(default=60, ge=10)
    # crisis mode: after a P1/P2 story, the feeds that reported on its entities are polled this often for
    # crisis_duration seconds (0 turns crisis mode off)
    crisis_poll_interval: int = Field(default=10, ge=10)
    crisis_duration: int = Field(default=3600, ge=0, le=7 * 24 * 3600)
    # seconds the database statements of a chat command that reads history may take in all (then stopped)
    command_timeout: float = Field(default=5.0, gt=0, le=600)
    send_rate: float = Field(default=FREE_SEND_RATE, gt=0, le=PAID_SEND_RATE)
    # alerts go with allow_paid_broadcast: Telegram takes Stars per message and send_rate may exceed 30
    paid_broadcast: bool = False
    send_concurrency: int = Field(default=8, ge=1, le=100)
    feeds: Path = Path("config/feeds.opml")
    entities: Path = Path("config/entities.yaml")
    # the learned severity grade (config/severity_model.json) where the rules find no cue: P3 or P4, never P1
    # or P2; off since eight fresh test parts showed no effect (docs/classifier-figures.md, "The thirty-eighth
    # test part, measured once")
    learned_severity: bool = False
    allow_private_urls: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "0.0.0.0"
    health_staleness: float = Field(default=60.0, gt=0)
    # the public read-only outputs (Atom feeds, JSON API); kept apart from the operations port
    web_port: int | None = Field(default=None, ge=1, le=65535)
    web_host: str = "0.0.0.0"
    # where users reach the outputs (behind a proxy, say); /status links to its feeds when set
    public_url: str | None = None
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    fetch_timeout: float = Field(default=30.0, gt=0)
    # seconds one feed document may take to parse, plus 3 s per MiB of it; then its parser process is killed
    parse_timeout: float = Field(default=20.0, gt=0)
    connect_timeout: float = Field(default=10.0, gt=0)
    fetch_concurrency: int = Field(default=32, ge=1, le=1000)
    per_host_concurrency: int = Field(default=2, ge=1, le=32)
    # public Telegram channels: read from {telegram_web_url}/s/<channel>, politely (their own limits)
    telegram_web_url: str = "https://t.me"
    telegram_concurrency: int = Field(default=2, ge=1, le=16)
    telegram_request_gap: float = Field(default=0.5, ge=0, le=60)
    telegram_min_interval: int = Field(default=60, ge=10)
    telegram_max_pages: int = Field(default=5, ge=1, le=50)
    feed_failure_notice_after: int = Field(default=3600, ge=0)
    # story merging (feeds/stories.py; tuned on the development files, docs/story-figures.md)
    story_window_hours: float = Field(default=48.0, gt=0, le=24 * 14)
    story_text_threshold: float = Field(default=74.0, ge=0, le=100)
    story_text_evidence_threshold: float = Field(default=60.0, ge=0, le=100)
    story_cross_language_hours: float = Field(default=12.0, ge=0, le=72)
    story_entity_threshold: float = Field(default=0.4, ge=0, le=1)
    story_merge_threshold: float = Field(default=0.5, ge=0, le=1)
    story_generic_entities: str = "armaz_border"
    # places the size of a province or a theatre: weak evidence that two reports are one story
    story_region_entities: str = "nagorno_karabakh,syunik,zangezur,gegharkunik,tavush,nakhchivan,kalbajar"
    digest_interval: float = Field(default=30.0, gt=0)
    # retention (storage/prune.py, run hourly): fetch_log rows and finished alerts older than this many days
    # are deleted; 0 keeps them forever
    fetch_log_days: int = Field(default=30, ge=0)
    delivery_days: int = Field(default=90, ge=0)
    # how long a worker holds a feed it polls (default: max(900, 10 × fetch timeout)) and a bot process the
    # alerts it sends; after a crash, what it held is taken up again once the lease runs out
    lease_seconds: float | None = Field(default=None, gt=0)
    delivery_lease_seconds: float = Field(default=300.0, gt=0)
    # webhook mode: Telegram posts updates to this public HTTPS URL instead of being long-polled
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0:8443"
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("admins")
    @classmethod
    def _admin_ids(cls, value: str) -> str:
        for part in value.split(","):
            part = part.strip()
            if part and not part.lstrip("-").isdigit():
                raise ValueError(f"{part!r} is not a Telegram user id (comma-separated integers expected)")
        return value

    @field_validator("telegram_api_url", "database_url")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _async_database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        example = "e.g. sqlite+aiosqlite:///data/borderwatch.db or postgresql+asyncpg://user@host/db"
        try:
            dialect = make_url(value).get_dialect()
        except NoSuchModuleError:  # before ArgumentError, its base class
            raise ValueError(f"names a database SQLAlchemy does not know ({example})") from None
        except ArgumentError:
            raise ValueError(f"is not a database URL ({example})") from None
        if not dialect.is_async:
            raise ValueError(f"needs an async driver ({example})")
        return value

    @field_validator("user_agent")
    @classmethod
    def _user_agent(cls, value: str) -> str:
        # an empty variable (as env files write an unset one) keeps the default: feeds see who asks
        return value.strip() or DEFAULT_USER_AGENT

    @field_validator("telegram_web_url")
    @classmethod
    def _telegram_web_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        parsed = urlsplit(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment:
            raise ValueError("must be an http:// or https:// base URL, e.g. https://t.me")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        parsed = urlsplit(value)
        if parsed.scheme != "https" or not parsed.hostname:
            raise ValueError("must be an https:// URL that Telegram can reach (Telegram posts only to HTTPS)")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        parsed = urlsplit(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment:
            raise ValueError(
                "must be an http:// or https:// URL without a query, e.g. https://watch.example.org"
            )
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _webhook_listen(cls, value: str) -> str:
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError("must be host:port, e.g. 0.0.0.0:8443")
        return value.strip()

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        secret = value.get_secret_value().strip() if value is not None else ""
        if not secret:
            if info.data.get("webhook_url"):
                raise ValueError("required when BORDERWATCH_WEBHOOK_URL is set")
            return None
        if not _SECRET_TOKEN.fullmatch(secret):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's secret_token)")
        return SecretStr(secret)

    @model_validator(mode="before")
    @classmethod
    def _max_interval_defaults_to_interval(cls, data: Any) -> Any:
        # every feed is polled at least every poll_interval unless an operator opts into slowing down
        if isinstance(data, dict) and data.get("poll_max_interval") in (None, ""):
            data = {**data, "poll_max_interval": data.get("poll_interval", 60)}
        return data

    @model_validator(mode="after")
    def _max_interval_not_below_interval(self) -> Settings:
        if self.poll_max_interval < self.poll_interval:
            object.__setattr__(self, "poll_max_interval", self.poll_interval)
        return self

    @model_validator(mode="after")
    def _rate_within_what_telegram_allows(self) -> Settings:
        # Lowered rather than refused: a deployment that set a higher rate before paid broadcast existed keeps
        # running, at the rate Telegram allows it.
        if self.send_rate > FREE_SEND_RATE and not self.paid_broadcast:
            logging.getLogger(__name__).warning(
                "BORDERWATCH_SEND_RATE %g is above Telegram's free limit of %d messages/s: sending at %d/s. "
                "Set BORDERWATCH_PAID_BROADCAST=true to send up to %d/s (Telegram charges Stars for each).",
                self.send_rate,
                FREE_SEND_RATE,
                FREE_SEND_RATE,
                PAID_SEND_RATE,
            )
            object.__setattr__(self, "send_rate", float(FREE_SEND_RATE))
        return self

    @model_validator(mode="after")
    def _alerts_kept_while_their_story_can_grow(self) -> Settings:
        # an alert's row is what stops a second alert for its story: it must outlive the story window plus the
        # day an item may be late and still alert
        at_least = self.story_window_hours / 24 + 1
        if 0 < self.delivery_days <= at_least:
            raise ValueError(
                f"BORDERWATCH_DELIVERY_DAYS must be 0 (keep forever) or more than {at_least:g} days "
                "(the story window plus one day)"
            )
        return self

    @model_validator(mode="after")
    def _public_port_apart_from_operations(self) -> Settings:
        if self.web_port is not None and self.web_port == self.metrics_port:
            # the outputs are public, /metrics is for operators: one port would publish both
            raise ValueError("BORDERWATCH_WEB_PORT must differ from BORDERWATCH_METRICS_PORT")
        return self

    @property
    def admin_ids(self) -> frozenset[int]:
        """The Telegram user ids that are admins from the start."""
        return frozenset(int(p) for p in self.admins.split(",") if p.strip())

    @property
    def token(self) -> str | None:
        """The bot token, or None in console mode."""
        if self.telegram_token is None:
            return None
        value = self.telegram_token.get_secret_value().strip()
        return value or None

    @property
    def webhook_address(self) -> tuple[str, int]:
        """BORDERWATCH_WEBHOOK_LISTEN as (host, port) for the webhook server to bind."""
        host, _, port = self.webhook_listen.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def webhook_path(self) -> str:
        """The path of BORDERWATCH_WEBHOOK_URL without its leading slash: where the listener takes updates."""
        return urlsplit(self.webhook_url or "").path.lstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # empty, as env files write an unset variable: the default file
        named = os.environ.get("BORDERWATCH_CONFIG", "").strip()
        config_file = Path(named or DEFAULT_CONFIG_FILE)
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if config_file.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        elif named:
            problem = "is not a file" if config_file.exists() else "does not exist"
            raise ConfigError(f"BORDERWATCH_CONFIG: {config_file} {problem}")
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; an invalid one raises ConfigError naming the setting and the problem in one line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        if not error["loc"]:  # a rule across settings names them itself; its input holds every setting
            raise ConfigError(str(error["msg"]).removeprefix("Value error, ")) from None
        field = str(error["loc"][0])
        name = f"BORDERWATCH_{field.upper()}"
        got = "" if field in _SECRET_FIELDS else f" (got {error.get('input')!r})"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}{got}") from None
    except ValueError as exc:  # a malformed TOML file
        raise ConfigError(f"BORDERWATCH_CONFIG: {exc}") from None
