"""Every ``LIQLIB_*`` environment setting in one place, read at call time.

Each setting is declared once in :data:`SETTINGS` (its variable, default, kind and meaning) and
read through :func:`get` when it is needed, never at import: a test's ``monkeypatch.setenv``
or a notebook's ``os.environ[...] = ...`` takes effect on the next call. A value that does not
parse is a one-line :class:`~liqlib.errors.InputError` naming the variable and a value that
works. ``lq.show_config()`` lists them all with their current values.

Examples
--------
>>> from liqlib import settings
>>> settings.get("http_retries", env={})
5
>>> settings.get("http_retries", env={"LIQLIB_HTTP_RETRIES": "2"})
2
>>> settings.get("http_retries", env={"LIQLIB_HTTP_RETRIES": "two"})
Traceback (most recent call last):
...
liqlib.errors.InputError: LIQLIB_HTTP_RETRIES='two' is not an integer: unset it or set e.g. LIQLIB_HTTP_RETRIES=5
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from liqlib.errors import InputError

__all__ = [
    "SETTINGS",
    "Setting",
    "default_cache_dir",
    "get",
    "log_to_stderr",
    "raw",
    "raw_env",
    "show_config",
]


@dataclass(frozen=True)
class Setting:
    """One environment setting.

    Parameters
    ----------
    env : str
        The environment variable, e.g. ``"LIQLIB_HTTP_TIMEOUT"``.
    kind : str
        How its text is read: ``"float"``, ``"int"``, ``"bool"`` (``0``, ``false``, ``no``
        and ``off`` are False, any other text True), ``"path"``, ``"url"`` or ``"text"``.
        Numbers are parsed here; their ranges are checked where they are used (the message
        then names the variable).
    default : object
        The value when the variable is unset or blank (None: decided by the caller, e.g. the
        cache folder or "only on a terminal").
    doc : str
        One line: what it sets, with units.
    zero_ok : bool
        For ``"float"``: 0 is a valid value (said in the parse error).
    secret : bool
        Never shown: :func:`show_config` says only whether it is set.
    """

    env: str
    kind: str
    default: object
    doc: str
    zero_ok: bool = False
    secret: bool = False


#: Every setting, by short name (the order :func:`show_config` lists them in).
SETTINGS: dict[str, Setting] = {
    "cache_dir": Setting(
        "LIQLIB_CACHE_DIR",
        "path",
        None,
        "cache folder (default: data/cache in a checkout, else the user cache folder)",
    ),
    "progress": Setting(
        "LIQLIB_PROGRESS", "bool", None, "progress bars (default: on in a terminal or Jupyter)"
    ),
    "demo_dir": Setting(
        "LIQLIB_DEMO_DIR", "path", None, "the demo market's folder (default: the package data)"
    ),
    "shared_data": Setting(
        "LIQLIB_SHARED_DATA",
        "path",
        None,
        "real data held offline (default: ../shared/data beside the checkout)",
    ),
    "binance_archive_url": Setting(
        "LIQLIB_BINANCE_ARCHIVE_URL",
        "url",
        "https://data.binance.vision",
        "Binance public archive (or a local mirror)",
    ),
    "binance_rest_url": Setting(
        "LIQLIB_BINANCE_REST_URL", "url", "https://fapi.binance.com", "Binance USD-M REST API"
    ),
    "coinglass_url": Setting(
        "LIQLIB_COINGLASS_URL", "url", "https://open-api-v4.coinglass.com", "Coinglass API"
    ),
    "bybit_rest_url": Setting(
        "LIQLIB_BYBIT_REST_URL", "url", None, "Bybit REST API (default: its public endpoint)"
    ),
    "okx_rest_url": Setting(
        "LIQLIB_OKX_REST_URL", "url", None, "OKX REST API (default: its public endpoint)"
    ),
    "binance_ws_url": Setting(
        "LIQLIB_BINANCE_WS_URL", "url", None, "Binance liquidation stream (liqlib record)"
    ),
    "bybit_ws_url": Setting(
        "LIQLIB_BYBIT_WS_URL", "url", None, "Bybit liquidation stream (liqlib record)"
    ),
    "okx_ws_url": Setting(
        "LIQLIB_OKX_WS_URL", "url", None, "OKX liquidation stream (liqlib record)"
    ),
    "coinglass_api_key": Setting(
        "COINGLASS_API_KEY", "text", None, "Coinglass API key (never shown)", secret=True
    ),
    "http_timeout": Setting(
        "LIQLIB_HTTP_TIMEOUT", "float", 30.0, "connect and read timeout per request (s)"
    ),
    "http_retries": Setting("LIQLIB_HTTP_RETRIES", "int", 5, "retries after the first try"),
    "http_backoff": Setting(
        "LIQLIB_HTTP_BACKOFF", "float", 0.5, "backoff factor (s): sleeps 0, 2b, 4b, ...", True
    ),
    "http_deadline": Setting(
        "LIQLIB_HTTP_DEADLINE", "float", 300.0, "overall limit of one download (s)"
    ),
    "http_max_retry_after": Setting(
        "LIQLIB_HTTP_MAX_RETRY_AFTER", "float", 60.0, "longest Retry-After honoured (s)", True
    ),
    "max_download_mb": Setting(
        "LIQLIB_MAX_DOWNLOAD_MB", "float", 4096.0, "largest HTTP body accepted (MB)"
    ),
    "max_unzipped_mb": Setting(
        "LIQLIB_MAX_UNZIPPED_MB", "float", 4096.0, "largest CSV accepted inside a zip (MB)"
    ),
    "max_zip_ratio": Setting(
        "LIQLIB_MAX_ZIP_RATIO", "float", 100.0, "largest uncompressed/compressed zip ratio"
    ),
}

_FALSE = ("0", "false", "no", "off")


def raw(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """The stripped text of setting ``name``'s variable, or None when unset or blank."""
    text = (os.environ if env is None else env).get(_setting(name).env, "")
    return text.strip() or None


def raw_env(variable: str, env: Mapping[str, str] | None = None) -> str | None:
    """:func:`raw` by variable name (``"LIQLIB_OKX_REST_URL"``), for code that is handed the
    variable; it must be declared in :data:`SETTINGS`."""
    for name, s in SETTINGS.items():
        if s.env == variable:
            return raw(name, env)
    raise InputError(f"{variable} is not a liqlib setting: declare it in liqlib.settings")


def get(name: str, env: Mapping[str, str] | None = None):
    """The current value of setting ``name`` (read from ``env``, default ``os.environ``, now).

    Parameters
    ----------
    name : str
        A key of :data:`SETTINGS`, e.g. ``"http_timeout"``.
    env : mapping, optional
        Where to read (default: the process environment, at this call).

    Returns
    -------
    object
        float, int, bool, :class:`pathlib.Path` or str per the setting's kind; its default
        (possibly None) when the variable is unset or blank.

    Raises
    ------
    InputError
        The variable is set to text that does not parse as its kind; the message names a
        value that works.

    Examples
    --------
    >>> get("max_zip_ratio", env={"LIQLIB_MAX_ZIP_RATIO": "50"})
    50.0
    >>> get("progress", env={"LIQLIB_PROGRESS": "off"})
    False
    """
    s = _setting(name)
    text = raw(name, env)
    if text is None:
        return s.default
    if s.kind == "float":
        try:
            return float(text)
        except ValueError:
            bound = ">= 0" if s.zero_ok else "> 0"
            raise InputError(
                f"{s.env}={text!r} is not a number {bound}: unset it or set e.g. "
                f"{s.env}={s.default:g}"
            ) from None
    if s.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise InputError(
                f"{s.env}={text!r} is not an integer: unset it or set e.g. {s.env}={s.default}"
            ) from None
    if s.kind == "bool":
        return text.lower() not in _FALSE
    if s.kind == "path":
        return Path(text).expanduser()
    return text


def show_config(env: Mapping[str, str] | None = None) -> str:
    """Every liqlib setting: variable, current value, where it came from, and meaning.

    Printed (and returned) as one aligned text table; secrets show only ``(set)``. Values are
    read now, so the table is what the next call will use.

    Parameters
    ----------
    env : mapping, optional
        Where to read (default: the process environment).

    Returns
    -------
    str
        The table (also printed).

    Examples
    --------
    >>> text = show_config(env={"LIQLIB_HTTP_RETRIES": "2"})  # doctest: +ELLIPSIS
    variable ...
    >>> "LIQLIB_HTTP_RETRIES" in text and "2 (set)" in text
    True
    """
    rows = [("variable", "value", "meaning")]
    for name, s in SETTINGS.items():
        text = raw(name, env)
        if text is not None and s.secret:
            value = "(set)"
        elif text is not None:
            value = f"{get(name, env)} (set)"
        elif name == "cache_dir":
            value = f"{default_cache_dir(env)} (default)"
        elif s.default is None:
            value = "(unset)"
        else:
            value = f"{s.default} (default)"
        rows.append((s.env, value, s.doc))
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in rows]
    out = "\n".join(lines)
    print(out)
    return out


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the cache lives: ``$LIQLIB_CACHE_DIR``; else ``data/cache`` of the checkout when
    liqlib runs from one (a ``pyproject.toml`` beside the package); else the user's cache
    folder from :func:`platformdirs.user_cache_dir` (``~/.cache/liqlib`` on Linux).

    Parameters
    ----------
    env : mapping, optional
        Where to read ``LIQLIB_CACHE_DIR`` (default: the process environment, now).

    Returns
    -------
    pathlib.Path
        The cache root (not created here).

    Examples
    --------
    >>> default_cache_dir(env={"LIQLIB_CACHE_DIR": "/tmp/liq"}).as_posix()
    '/tmp/liq'
    """
    s = SETTINGS["cache_dir"]
    text = (os.environ if env is None else env).get(s.env)
    if text is not None and not text.strip():
        raise InputError(
            f"{s.env}={text!r} is blank: unset it, or set it to a folder such as ~/.cache/liqlib"
        )
    if text is not None:
        return Path(text.strip()).expanduser()
    repo = Path(__file__).resolve().parents[1]
    if (repo / "pyproject.toml").is_file() and (repo / "liqlib").is_dir():
        return repo / "data" / "cache"
    import platformdirs  # late: only when no folder is set

    return Path(platformdirs.user_cache_dir("liqlib", appauthor=False))


def log_to_stderr(level: str | int = "INFO", logger: str = "liqlib") -> logging.Handler:
    """Show liqlib's log messages (downloads, cache repairs, gaps, REST fallbacks) on stderr.

    Adds one handler to the ``liqlib`` logger (replacing one added by an earlier call) and
    sets its level. In Jupyter the messages appear under the cell. Setting the level alone
    (``logging.getLogger("liqlib").setLevel("INFO")``) shows nothing below WARNING: Python
    prints only warnings when no handler is configured.

    Parameters
    ----------
    level : str or int
        Lowest level shown: ``"DEBUG"``, ``"INFO"`` (default), ``"WARNING"``...
    logger : str
        Logger name; ``"liqlib.data.store"`` narrows to one module.

    Returns
    -------
    logging.Handler
        The handler (remove it with ``logging.getLogger(logger).removeHandler(h)``).

    Examples
    --------
    >>> import sys
    >>> h = log_to_stderr("INFO")
    >>> h.setStream(sys.stdout)  # doctest: +ELLIPSIS
    <...>
    >>> logging.getLogger("liqlib.data.store").info("cached %d files", 3)
    INFO liqlib.data.store: cached 3 files
    >>> logging.getLogger("liqlib").removeHandler(h)
    """
    log = logging.getLogger(logger)
    for old in [h for h in log.handlers if getattr(h, "_liqlib", False)]:
        log.removeHandler(old)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler._liqlib = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(level.upper() if isinstance(level, str) else level)
    return handler


def _setting(name: str) -> Setting:
    try:
        return SETTINGS[name]
    except KeyError:
        raise InputError(f"unknown setting {name!r}: use one of {', '.join(SETTINGS)}") from None
