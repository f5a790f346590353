"""Exceptions liqlib raises. Every message is one line: the problem, then the fix."""

from __future__ import annotations


class LiqlibError(Exception):
    """Base class of every error liqlib raises on purpose."""


class InputError(LiqlibError, ValueError):
    """A parameter is invalid (bad symbol, dates, leverage, grid...)."""


class UnknownSymbolError(InputError):
    """The symbol is not a known Binance USD-M perpetual."""


class DataNotFoundError(LiqlibError, LookupError):
    """The server does not have a file we asked for (HTTP 404).

    Attributes
    ----------
    missing : list[str]
        The days (``YYYY-MM-DD``) or months (``YYYY-MM``) that are missing.
    """

    def __init__(self, message: str, missing: list[str] | None = None):
        super().__init__(message)
        self.missing = list(missing or [])


class ChecksumError(LiqlibError):
    """A downloaded file does not match its published sha256 checksum."""


class CorruptDataError(LiqlibError, ValueError):
    """A file or frame cannot be trusted: bad zip, unparsable CSV, NaN prices, bad order."""


class DownloadError(LiqlibError, ConnectionError):
    """The network failed after every retry."""


class CacheError(LiqlibError, OSError):
    """The local cache cannot be written or read."""


class LiqlibDeprecationWarning(FutureWarning):
    """A name or import path liqlib will remove; the message names the new one.

    A ``FutureWarning`` so users see it by default (``DeprecationWarning`` is hidden outside
    ``__main__``), as pvlib and scikit-learn do.
    """
