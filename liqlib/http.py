"""HTTP for liqlib: one retrying ``requests`` session and a checked ``download``.

Two layers of retry cover the ways a public archive download fails:

* :func:`make_session` mounts a urllib3 :class:`~urllib3.util.Retry` that handles everything
  that happens *before* the body arrives: refused or dropped connections, read timeouts while
  waiting for the headers, HTTP 429 (honouring ``Retry-After``) and 5xx, with exponential
  backoff.
* :func:`download` retries failures *inside* the body, which urllib3 does not retry: a body
  cut short (``IncompleteRead`` / ``ChunkedEncodingError``), a connection reset mid-body, a
  read timeout mid-body, and a body shorter than its ``Content-Length``.

Timeouts, retry counts and backoff are read from the environment *at call time*, so tests and
slow links can change them without touching code:

==========================  =========================================  =======
variable                    meaning                                    default
==========================  =========================================  =======
``LIQLIB_HTTP_TIMEOUT``     connect and read timeout per request (s)   30
``LIQLIB_HTTP_RETRIES``     retries after the first try                5
``LIQLIB_HTTP_BACKOFF``     backoff factor (s): sleeps 0, 2b, 4b, ...  0.5
==========================  =========================================  =======
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from liqlib.errors import DataNotFoundError, DownloadError, InputError

TIMEOUT_ENV = "LIQLIB_HTTP_TIMEOUT"
RETRIES_ENV = "LIQLIB_HTTP_RETRIES"
BACKOFF_ENV = "LIQLIB_HTTP_BACKOFF"

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_RETRIES = 5
DEFAULT_BACKOFF_S = 0.5
#: The longest single backoff sleep between two tries (s).
MAX_BACKOFF_S = 30.0
#: Statuses worth another try: rate limited, or a server-side failure.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

_FIX = f"check your connection, or raise {RETRIES_ENV} / {TIMEOUT_ENV} and try again"


@dataclass(frozen=True)
class HttpConfig:
    """Timeout and retry settings of one download.

    Attributes
    ----------
    timeout_s : float
        Connect and read timeout of each request, seconds.
    retries : int
        Retries after the first try (so ``retries + 1`` tries in all).
    backoff_s : float
        Backoff factor, seconds: the n-th retry sleeps ``backoff_s * 2**(n-1)`` (the first
        retry after a failure does not sleep), capped at :data:`MAX_BACKOFF_S`.
    """

    timeout_s: float = DEFAULT_TIMEOUT_S
    retries: int = DEFAULT_RETRIES
    backoff_s: float = DEFAULT_BACKOFF_S

    def __post_init__(self) -> None:
        if not self.timeout_s > 0:
            raise InputError(f"HTTP timeout {self.timeout_s!r} s must be > 0: set {TIMEOUT_ENV}")
        if self.retries < 0:
            raise InputError(f"HTTP retries {self.retries!r} must be >= 0: set {RETRIES_ENV}")
        if self.backoff_s < 0:
            raise InputError(f"HTTP backoff {self.backoff_s!r} s must be >= 0: set {BACKOFF_ENV}")

    @classmethod
    def from_env(cls) -> HttpConfig:
        """Read ``LIQLIB_HTTP_TIMEOUT``, ``LIQLIB_HTTP_RETRIES`` and ``LIQLIB_HTTP_BACKOFF`` now."""
        return cls(
            timeout_s=_env_number(TIMEOUT_ENV, DEFAULT_TIMEOUT_S, float),
            retries=_env_number(RETRIES_ENV, DEFAULT_RETRIES, int),
            backoff_s=_env_number(BACKOFF_ENV, DEFAULT_BACKOFF_S, float),
        )


def _env_number(name: str, default, kind):
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        raise InputError(
            f"{name}={text!r} is not a{'n integer' if kind is int else ' number'}: "
            f"unset it or set e.g. {name}={default}"
        ) from None


def make_session(
    retries: int | None = None, backoff: float | None = None, *, pool_size: int = 16
) -> requests.Session:
    """A ``requests`` session that retries connection errors, 429 and 5xx responses.

    Parameters
    ----------
    retries : int, optional
        Retries after the first try; default ``$LIQLIB_HTTP_RETRIES`` (5).
    backoff : float, optional
        Backoff factor in seconds; default ``$LIQLIB_HTTP_BACKOFF`` (0.5).
    pool_size : int
        Connections kept per host; the session may be shared by that many threads.

    Returns
    -------
    requests.Session
        Retries GET/HEAD on connect errors, read errors before the headers arrive and on
        statuses in :data:`RETRY_STATUSES`, sleeping ``Retry-After`` when the server sends one.
        After the last retry the final response is returned (not raised), so
        :func:`download` can report it.

    Examples
    --------
    >>> session = make_session(retries=2, backoff=0.1)
    >>> session.get("https://data.binance.vision/", timeout=10)  # doctest: +SKIP
    """
    env = HttpConfig.from_env()
    retries = env.retries if retries is None else int(retries)
    backoff = env.backoff_s if backoff is None else float(backoff)
    HttpConfig(timeout_s=env.timeout_s, retries=retries, backoff_s=backoff)  # validate
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=retries,
        backoff_factor=backoff,
        backoff_max=MAX_BACKOFF_S,
        status_forcelist=sorted(RETRY_STATUSES),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"liqlib/{_version()} (+https://github.com/liqlib)"
    return session


def _version() -> str:
    import liqlib  # late: liqlib/__init__ imports this module

    return getattr(liqlib, "__version__", "0")


def download(
    url: str,
    session: requests.Session | None = None,
    timeout: float | None = None,
    *,
    retries: int | None = None,
    params: dict | None = None,
) -> bytes:
    """GET ``url`` and return the whole body, retrying failures inside the body too.

    Parameters
    ----------
    url : str
        Address to fetch.
    session : requests.Session, optional
        Normally one from :func:`make_session` (shared by threads); a new one by default.
    timeout : float, optional
        Connect and read timeout in seconds; default ``$LIQLIB_HTTP_TIMEOUT`` (30).
    retries : int, optional
        Retries of body-level failures; default ``$LIQLIB_HTTP_RETRIES`` (5).
    params : dict, optional
        Query parameters (REST endpoints).

    Returns
    -------
    bytes
        The body, verified against ``Content-Length`` when the server sent one.

    Raises
    ------
    DataNotFoundError
        HTTP 404: the server does not have this file (``missing`` is empty here; callers that
        know the day or month re-raise with it).
    DownloadError
        Every try failed, or the server refused the request (4xx other than 404).
    """
    env = HttpConfig.from_env()
    cfg = HttpConfig(
        timeout_s=env.timeout_s if timeout is None else float(timeout),
        retries=env.retries if retries is None else int(retries),
        backoff_s=env.backoff_s,
    )
    session = make_session() if session is None else session
    shown = _show(url, params)
    failure = ""
    for attempt in range(1, cfg.retries + 2):
        try:
            resp = session.get(url, params=params, timeout=cfg.timeout_s, stream=True)
        except requests.RequestException as exc:
            # urllib3 already retried connect/read/status failures: this is final.
            tried = attempt + _session_retries(session, url)
            raise DownloadError(
                f"GET {shown} failed: {_describe(exc)} after {tried} {_tries(tried)}; {_FIX}"
            ) from exc
        with resp:
            if resp.status_code == 404:
                raise DataNotFoundError(
                    f"{shown} not found (HTTP 404): the server does not have this file; "
                    "check the symbol, kind and date, or use a window the archive covers"
                )
            if resp.status_code >= 400:
                tried = 1 + _retry_count(resp)
                if resp.status_code in RETRY_STATUSES:
                    raise DownloadError(
                        f"GET {shown} failed: HTTP {resp.status_code} {resp.reason} after "
                        f"{tried} {_tries(tried)}; the server is busy or failing: wait and "
                        f"try again, or raise {RETRIES_ENV}"
                    )
                raise DownloadError(
                    f"GET {shown} refused: HTTP {resp.status_code} {resp.reason}"
                    f"{_body_hint(resp)}; check the URL and parameters (HTTP 451/403: this "
                    "endpoint is blocked from your location, use a mirror)"
                )
            try:
                body = resp.content
                _check_length(resp, body)
                return body
            except (requests.RequestException, _ShortBody) as exc:
                failure = _describe(exc)
        if attempt <= cfg.retries:
            time.sleep(min(MAX_BACKOFF_S, cfg.backoff_s * 2 ** (attempt - 1)))
    tries = cfg.retries + 1
    raise DownloadError(f"GET {shown} failed: {failure} on all {tries} {_tries(tries)}; {_FIX}")


class _ShortBody(Exception):
    """The body is shorter (or longer) than the Content-Length header said."""


def _check_length(resp: requests.Response, body: bytes) -> None:
    declared = resp.headers.get("Content-Length")
    encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    if declared is None or encoded:
        return
    try:
        expected = int(declared)
    except ValueError:
        return
    if len(body) != expected:
        raise _ShortBody(
            f"truncated body: got {len(body)} of {expected} bytes (Content-Length mismatch)"
        )


def _describe(exc: BaseException) -> str:
    """One line naming what failed, without the nested urllib3 repr soup."""
    if isinstance(exc, _ShortBody):
        return str(exc)
    kinds = [
        (requests.exceptions.ConnectTimeout, "connect timeout"),
        (requests.exceptions.ReadTimeout, "read timeout"),
        (requests.exceptions.ChunkedEncodingError, "body cut short"),
        (requests.exceptions.SSLError, "TLS error"),
        (requests.exceptions.RetryError, "too many error responses"),
        (requests.exceptions.ConnectionError, "connection error"),
    ]
    label = next((name for cls, name in kinds if isinstance(exc, cls)), type(exc).__name__)
    inner = _innermost(exc)
    # urllib3's ProtocolError carries (message, cause): the message alone reads best
    message = inner.args[0] if inner.args and isinstance(inner.args[0], str) else str(inner)
    text = " ".join(message.split())
    text = re.sub(r"^\w*(Connection|Pool)\w*\(host=[^)]*\):\s*", "", text)
    if "timed out" in text.lower() and label == "connection error":
        label = "read timeout"
    if "reset" in text.lower():
        label = f"{label} (connection reset)"
    detail = text if len(text) <= 160 else text[:157] + "..."
    return f"{label}: {detail}" if detail else label


def _innermost(exc: BaseException) -> BaseException:
    """The root cause under requests' and urllib3's wrappers (MaxRetryError.reason...)."""
    seen = {id(exc)}
    while True:
        inner = getattr(exc, "reason", None)
        if not isinstance(inner, BaseException) and exc.args:
            inner = exc.args[0] if isinstance(exc.args[0], BaseException) else None
        if not isinstance(inner, BaseException) or id(inner) in seen:
            return exc
        seen.add(id(inner))
        exc = inner


def _session_retries(session: requests.Session, url: str) -> int:
    try:
        retry = session.get_adapter(url).max_retries
    except requests.RequestException:
        return 0
    total = getattr(retry, "total", 0)
    return total if isinstance(total, int) and not isinstance(total, bool) else 0


def _retry_count(resp: requests.Response) -> int:
    retries = getattr(resp.raw, "retries", None)
    history = getattr(retries, "history", None) or ()
    return len(history)


def _body_hint(resp: requests.Response) -> str:
    try:
        text = resp.text.strip().replace("\n", " ")
    except requests.RequestException:
        return ""
    return f" ({text[:200]})" if text else ""


def _tries(n: int) -> str:
    return "try" if n == 1 else "tries"


def _show(url: str, params: dict | None) -> str:
    if not params:
        return url
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}?{query}"
