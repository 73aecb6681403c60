"""The one exception family of borderwatch: every message is something a user can act on."""

from sqlalchemy.exc import DBAPIError


class BorderwatchError(Exception):
    """Base of every error borderwatch raises on purpose."""


class ConfigError(BorderwatchError):
    """A setting or a configuration file is invalid; the message names it and says what is wrong."""


class InvalidSetting(ConfigError):
    """A setting names something that cannot be used (a file that does not exist, say): found after the
    settings were loaded, it stops the command as an invalid setting does (exit code 2)."""


class DatabaseUnavailable(BorderwatchError):
    """The database could not be reached or migrated."""


def plain_database_error(error: BaseException) -> str | None:
    """The database server's own message for a database error, in one line, without the SQL statement and
    its parameters that SQLAlchemy's messages carry; None when `error` is not a database error."""
    if not isinstance(error, DBAPIError):
        return None
    cause: BaseException = error.orig if error.orig is not None else error
    while cause.__cause__ is not None:  # asyncpg's own error, under the DB-API adapter's
        cause = cause.__cause__
    text = (str(cause).strip().splitlines() or [""])[0] or type(cause).__name__
    return f"the database refused this feed's data: {text[:300]}"
