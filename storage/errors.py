"""The one exception family of borderwatch: every message is something a user can act on."""


class BorderwatchError(Exception):
    """Base of every error borderwatch raises on purpose."""


class ConfigError(BorderwatchError):
    """A setting or a configuration file is invalid; the message names it and says what is wrong."""


class DatabaseUnavailable(BorderwatchError):
    """The database could not be reached or migrated."""
