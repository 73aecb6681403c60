"""Settings from the environment (prefix BORDERWATCH_) over the TOML file named by BORDERWATCH_CONFIG."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from storage.errors import ConfigError

DEFAULT_CONFIG_FILE = "config/borderwatch.toml"
DEFAULT_USER_AGENT = "borderwatch/0.1 (+https://github.com/borderwatch/borderwatch; news alert bot)"


class Settings(BaseSettings):
    """Every setting of borderwatch, with the defaults of the public contract (DESIGN.md)."""

    model_config = SettingsConfigDict(env_prefix="BORDERWATCH_", extra="ignore", frozen=True)

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    database_url: str = "sqlite+aiosqlite:///data/borderwatch.db"
    admins: str = ""
    poll_interval: int = Field(default=60, ge=10)
    poll_max_interval: int = Field(default=1800, ge=10)
    send_rate: float = Field(default=30, gt=0, le=1000)
    send_concurrency: int = Field(default=8, ge=1, le=100)
    feeds: Path = Path("config/feeds.opml")
    entities: Path = Path("config/entities.yaml")
    allow_private_urls: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "0.0.0.0"
    health_staleness: float = Field(default=60.0, gt=0)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    fetch_timeout: float = Field(default=30.0, gt=0)
    connect_timeout: float = Field(default=10.0, gt=0)
    fetch_concurrency: int = Field(default=32, ge=1, le=1000)
    per_host_concurrency: int = Field(default=2, ge=1, le=32)
    feed_failure_notice_after: int = Field(default=3600, ge=0)

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

    @model_validator(mode="after")
    def _max_interval_not_below_interval(self) -> Settings:
        if self.poll_max_interval < self.poll_interval:
            object.__setattr__(self, "poll_max_interval", self.poll_interval)
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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = Path(os.environ.get("BORDERWATCH_CONFIG", DEFAULT_CONFIG_FILE))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if config_file.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        elif "BORDERWATCH_CONFIG" in os.environ:
            raise ConfigError(f"BORDERWATCH_CONFIG: file {config_file} does not exist")
        return tuple(sources)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; an invalid one raises ConfigError naming the setting and the problem in one line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "settings"
        name = f"BORDERWATCH_{field.upper()}"
        raise ConfigError(f"{name}: {error['msg']} (got {error.get('input')!r})") from None
    except ValueError as exc:  # a malformed TOML file
        raise ConfigError(f"BORDERWATCH_CONFIG: {exc}") from None
