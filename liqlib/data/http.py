"""HTTP for liqlib: one retrying ``requests`` session and a checked ``download``.

Two layers of retry cover the ways a public archive download fails:

* :func:`make_session` mounts a urllib3 :class:`~urllib3.util.Retry` that handles everything
  that happens *before* the body arrives: refused or dropped connections, read timeouts while
  waiting for the headers, HTTP 429 (honouring ``Retry-After``) and 5xx, with exponential
  backoff.
* :func:`download` retries failures *inside* the body, which urllib3 does not retry: a body
  cut short (``IncompleteRead`` / ``ChunkedEncodingError``), a connection reset mid-body, a
  read timeout mid-body, and a body shorter than its ``Content-Length``.

Every download ends: it has an overall **deadline** (a server dripping one byte at a time
defeats a per-read timeout, never the deadline), a ``Retry-After`` longer than
``LIQLIB_HTTP_MAX_RETRY_AFTER`` is capped (an unreadable one means a normal backoff), a
retry sleep that would overrun the deadline ends the download at once, and a body larger
than ``LIQLIB_MAX_DOWNLOAD_MB`` is refused. Error messages count the tries actually made.
Retries are logged on the ``liqlib.data.http`` logger (INFO).

Timeouts, retry counts and backoff are read from the environment *at call time*, so tests and
slow links can change them without touching code:

=================================  ===========================================  =======
variable                           meaning                                      default
=================================  ===========================================  =======
``LIQLIB_HTTP_TIMEOUT``            connect and read timeout per request (s)     30
``LIQLIB_HTTP_RETRIES``            retries after the first try                  5
``LIQLIB_HTTP_BACKOFF``            backoff factor (s): sleeps 0, 2b, 4b, ...    0.5
``LIQLIB_HTTP_DEADLINE``           overall limit of one download (s)            300
``LIQLIB_HTTP_MAX_RETRY_AFTER``    longest ``Retry-After`` honoured (s)         60
``LIQLIB_MAX_DOWNLOAD_MB``         largest body accepted (MB)                   4096
=================================  ===========================================  =======
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from dataclasses import dataclass
from numbers import Integral, Real
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from liqlib import settings
from liqlib.errors import DataNotFoundError, DownloadError, InputError

log = logging.getLogger(__name__)

_S = settings.SETTINGS
TIMEOUT_ENV = _S["http_timeout"].env
RETRIES_ENV = _S["http_retries"].env
BACKOFF_ENV = _S["http_backoff"].env
DEADLINE_ENV = _S["http_deadline"].env
MAX_RETRY_AFTER_ENV = _S["http_max_retry_after"].env
MAX_DOWNLOAD_ENV = _S["max_download_mb"].env

DEFAULT_TIMEOUT_S = _S["http_timeout"].default
DEFAULT_RETRIES = _S["http_retries"].default
DEFAULT_BACKOFF_S = _S["http_backoff"].default
DEFAULT_DEADLINE_S = _S["http_deadline"].default
DEFAULT_MAX_RETRY_AFTER_S = _S["http_max_retry_after"].default
DEFAULT_MAX_DOWNLOAD_MB = _S["max_download_mb"].default
#: The longest single backoff sleep between two tries (s).
MAX_BACKOFF_S = 30.0
#: Statuses worth another try: rate limited, or a server-side failure.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Bytes asked of the socket per read: small enough that the deadline is checked often.
_CHUNK = 64 * 1024

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
    deadline_s : float
        Overall limit of one download (every try, sleep and byte of the body), seconds.
    max_retry_after_s : float
        A server's ``Retry-After`` is honoured up to this many seconds.
    max_mb : float
        Largest body accepted, MB (10**6 bytes).
    """

    timeout_s: float = DEFAULT_TIMEOUT_S
    retries: int = DEFAULT_RETRIES
    backoff_s: float = DEFAULT_BACKOFF_S
    deadline_s: float = DEFAULT_DEADLINE_S
    max_retry_after_s: float = DEFAULT_MAX_RETRY_AFTER_S
    max_mb: float = DEFAULT_MAX_DOWNLOAD_MB

    def __post_init__(self) -> None:
        def positive(value, name, env, example):
            if not (_real(value) and math.isfinite(value) and value > 0):
                raise InputError(
                    f"HTTP {name} {value!r} must be a finite number > 0: set {env}, e.g. "
                    f"{env}={example}"
                )

        positive(self.timeout_s, "timeout (s)", TIMEOUT_ENV, 30)
        positive(self.deadline_s, "deadline (s)", DEADLINE_ENV, 300)
        positive(self.max_mb, "size limit (MB)", MAX_DOWNLOAD_ENV, 4096)
        if (
            isinstance(self.retries, bool)
            or not isinstance(self.retries, Integral)
            or self.retries < 0
        ):
            raise InputError(
                f"HTTP retries {self.retries!r} must be an integer >= 0: set {RETRIES_ENV}"
            )
        for value, name, env in (
            (self.backoff_s, "backoff (s)", BACKOFF_ENV),
            (self.max_retry_after_s, "Retry-After cap (s)", MAX_RETRY_AFTER_ENV),
        ):
            if not (_real(value) and math.isfinite(value) and value >= 0):
                raise InputError(f"HTTP {name} {value!r} must be a finite number >= 0: set {env}")

    @classmethod
    def from_env(cls) -> HttpConfig:
        """Read the ``LIQLIB_HTTP_*`` and ``LIQLIB_MAX_DOWNLOAD_MB`` variables now."""
        return cls(
            timeout_s=settings.get("http_timeout"),
            retries=settings.get("http_retries"),
            backoff_s=settings.get("http_backoff"),
            deadline_s=settings.get("http_deadline"),
            max_retry_after_s=settings.get("http_max_retry_after"),
            max_mb=settings.get("max_download_mb"),
        )


def check_base_url(url: str, env: str) -> str:
    """``url`` without its trailing slash, or a one-line :class:`InputError` naming ``env``."""
    if not isinstance(url, str):
        raise InputError(
            f"base_url must be a string such as 'http://127.0.0.1:8000', not {type(url).__name__}"
        )
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"server address {url!r} is not an http(s) URL: set {env} (or base_url=) to e.g. "
            "'http://127.0.0.1:8000' or 'https://data.binance.vision'"
        )
    return text


# --------------------------------------------------------------------------------------------
# urllib3 retries, bounded: the deadline and the tries made are per download, per thread
# --------------------------------------------------------------------------------------------

#: The download running in this thread: its deadline (monotonic s) and failed tries so far.
#: urllib3 retries run in the calling thread, so a thread-local reaches into them.
_CALL = threading.local()


class _DeadlineReached(Exception):
    """A retry sleep would overrun the download's deadline (raised out of urllib3)."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


class _BoundedRetry(Retry):
    """urllib3's Retry, plus: an unreadable ``Retry-After`` means a normal backoff (urllib3
    would abort), every sleep respects the download's deadline, and failed tries are counted
    and logged. ``retry_after_max`` (urllib3's own cap) bounds a long ``Retry-After``."""

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            return super().parse_retry_after(retry_after)
        except urllib3.exceptions.InvalidHeader:
            log.info("ignoring unreadable Retry-After %r: backing off instead", retry_after)
            return 0.0  # falsy: Retry.sleep falls back to the exponential backoff

    def increment(
        self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None
    ):
        _CALL.failed = getattr(_CALL, "failed", 0) + 1
        _CALL.last = f"HTTP {response.status}" if response is not None else _describe(error)
        new = super().increment(method, url, response, error, _pool, _stacktrace)
        log.info("GET %s: %s; retrying (%d so far)", url, _CALL.last, _CALL.failed)
        return new

    def sleep(self, response=None) -> None:
        deadline = getattr(_CALL, "deadline", None)
        if deadline is not None:
            wait = self.get_backoff_time()
            if response is not None and self.respect_retry_after_header:
                wait = self.get_retry_after(response) or wait
            if time.monotonic() + wait > deadline:
                raise _DeadlineReached(getattr(_CALL, "last", "a failure"))
        super().sleep(response)


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
        statuses in :data:`RETRY_STATUSES`, sleeping ``Retry-After`` (at most
        ``$LIQLIB_HTTP_MAX_RETRY_AFTER`` s) when the server sends one. After the last retry
        the final response is returned (not raised), so :func:`download` can report it.

    Examples
    --------
    >>> session = make_session(retries=2, backoff=0.1)
    >>> session.get("https://data.binance.vision/", timeout=10)  # doctest: +SKIP
    """
    env = HttpConfig.from_env()
    retries = env.retries if retries is None else retries
    backoff = env.backoff_s if backoff is None else backoff
    HttpConfig(timeout_s=env.timeout_s, retries=retries, backoff_s=backoff)  # validate
    retry = _BoundedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=retries,
        backoff_factor=backoff,
        backoff_max=MAX_BACKOFF_S,
        retry_after_max=env.max_retry_after_s,
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
    deadline: float | None = None,
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
    deadline : float, optional
        Overall limit in seconds; default ``$LIQLIB_HTTP_DEADLINE`` (300).

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
        Every try failed, the deadline passed, the body exceeds ``$LIQLIB_MAX_DOWNLOAD_MB``,
        or the server refused the request (4xx other than 404). The message counts the tries
        actually made.
    """
    env = HttpConfig.from_env()
    cfg = HttpConfig(
        timeout_s=env.timeout_s if timeout is None else timeout,
        retries=env.retries if retries is None else retries,
        backoff_s=env.backoff_s,
        deadline_s=env.deadline_s if deadline is None else deadline,
        max_retry_after_s=env.max_retry_after_s,
        max_mb=env.max_mb,
    )
    session = make_session() if session is None else session
    shown = _show(url, params)
    ends = time.monotonic() + cfg.deadline_s
    limit = int(cfg.max_mb * 1e6)
    tried = 0  # requests sent so far, over both retry layers
    failure = ""
    for attempt in range(1, cfg.retries + 2):
        if time.monotonic() >= ends:
            raise _deadline_error(shown, cfg, tried, failure or "no answer yet")
        _CALL.deadline, _CALL.failed, _CALL.last = ends, 0, ""
        try:
            read_timeout = max(0.001, min(cfg.timeout_s, ends - time.monotonic()))
            resp = session.get(
                url, params=params, timeout=(cfg.timeout_s, read_timeout), stream=True
            )
        except _DeadlineReached as exc:
            tried += _CALL.failed
            raise _deadline_error(shown, cfg, tried, exc.status) from None
        except requests.RequestException as exc:
            # urllib3 already retried connect/read/status failures: this is final.
            tried += max(1, _CALL.failed)
            raise DownloadError(
                f"GET {shown} failed: {_describe(exc)} after {tried} {_tries(tried)}; {_FIX}"
            ) from exc
        finally:
            _CALL.deadline = None
        with resp:
            retried_status = resp.status_code in RETRY_STATUSES
            tried += _CALL.failed + (0 if retried_status and _CALL.failed else 1)
            if resp.status_code == 404:
                raise DataNotFoundError(
                    f"{shown} not found (HTTP 404): the server does not have this file; "
                    "check the symbol, kind and date, or use a window the archive covers"
                )
            if resp.status_code >= 400:
                if resp.status_code in RETRY_STATUSES:
                    raise DownloadError(
                        f"GET {shown} failed: HTTP {resp.status_code} {resp.reason} after "
                        f"{tried} {_tries(tried)}; the server is busy or failing: wait and "
                        f"try again, or raise {RETRIES_ENV}"
                    )
                if resp.status_code == 401:
                    raise DownloadError(
                        f"GET {shown} refused: HTTP 401 {resp.reason}{_body_hint(resp)}; the "
                        "API key is missing or wrong: check the key setting (e.g. "
                        "$COINGLASS_API_KEY) and that the plan covers this endpoint"
                    )
                raise DownloadError(
                    f"GET {shown} refused: HTTP {resp.status_code} {resp.reason}"
                    f"{_body_hint(resp)}; check the URL and parameters (HTTP 451/403: this "
                    "endpoint is blocked from your location, use a mirror)"
                )
            try:
                return _read_body(resp, ends, limit, shown)
            except _TooLarge as exc:
                raise DownloadError(
                    f"GET {shown} refused: {exc}, above the {cfg.max_mb:g} MB limit; raise "
                    f"{MAX_DOWNLOAD_ENV} if you expect a file that large"
                ) from None
            except _Late:
                raise _deadline_error(shown, cfg, tried, "the body was still arriving") from None
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                failure = _describe(exc)
            except _ShortBody as exc:
                failure = str(exc)
        log.info("GET %s: %s (try %d); retrying", shown, failure, tried)
        if attempt <= cfg.retries:
            pause = min(MAX_BACKOFF_S, cfg.backoff_s * 2 ** (attempt - 1))
            if time.monotonic() + pause > ends:
                raise _deadline_error(shown, cfg, tried, failure)
            time.sleep(pause)
    raise DownloadError(f"GET {shown} failed: {failure} on all {tried} {_tries(tried)}; {_FIX}")


def _deadline_error(shown: str, cfg: HttpConfig, tried: int, status: str) -> DownloadError:
    return DownloadError(
        f"GET {shown} did not complete within the {cfg.deadline_s:g} s deadline ({status}; "
        f"{tried} {_tries(tried)}): the server is too slow or asks to wait too long; try "
        f"later, or raise {DEADLINE_ENV}"
    )


class _ShortBody(Exception):
    """The body is shorter (or longer) than the Content-Length header said."""


class _TooLarge(Exception):
    """The body exceeds the size limit."""


class _Late(Exception):
    """The deadline passed while the body was arriving."""


def _read_body(resp: requests.Response, ends: float, limit: int, shown: str) -> bytes:
    """The body, read one socket read at a time so the deadline is checked between reads.

    ``read1`` returns whatever one read of the socket yields: a server dripping a byte every
    half second is caught by the deadline (``read(n)`` would wait for all n bytes).
    """
    declared = _declared_length(resp)
    if declared is not None and declared > limit:
        raise _TooLarge(f"Content-Length is {declared:,} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > ends:
            raise _Late()
        chunk = resp.raw.read1(_CHUNK, decode_content=True)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise _TooLarge(f"the body passed {limit:,} bytes")
    body = b"".join(chunks)
    if declared is not None and len(body) != declared:
        raise _ShortBody(
            f"truncated body: got {len(body)} of {declared} bytes (Content-Length mismatch)"
        )
    return body


def _declared_length(resp: requests.Response) -> int | None:
    """Content-Length of an unencoded body (None when absent, unreadable or encoded)."""
    declared = resp.headers.get("Content-Length")
    encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    if declared is None or encoded:
        return None
    try:
        return int(declared)
    except ValueError:
        return None


def _describe(exc: BaseException | None) -> str:
    """One line naming what failed, without the nested urllib3 repr soup."""
    if exc is None:
        return "no response"
    if isinstance(exc, _ShortBody):
        return str(exc)
    kinds = [
        (requests.exceptions.ConnectTimeout, "connect timeout"),
        (requests.exceptions.ReadTimeout, "read timeout"),
        (urllib3.exceptions.ReadTimeoutError, "read timeout"),
        (requests.exceptions.ChunkedEncodingError, "body cut short"),
        (urllib3.exceptions.IncompleteRead, "body cut short"),
        (requests.exceptions.ContentDecodingError, "undecodable body"),
        (urllib3.exceptions.DecodeError, "undecodable body"),
        (requests.exceptions.TooManyRedirects, "too many redirects"),
        (requests.exceptions.SSLError, "TLS error"),
        (requests.exceptions.RetryError, "too many error responses"),
        (requests.exceptions.ConnectionError, "connection error"),
        (urllib3.exceptions.ProtocolError, "connection error"),
    ]
    label = next((name for cls, name in kinds if isinstance(exc, cls)), type(exc).__name__)
    inner = _innermost(exc)
    # urllib3's ProtocolError carries (message, cause): the message alone reads best
    message = inner.args[0] if inner.args and isinstance(inner.args[0], str) else str(inner)
    text = " ".join(message.split())
    text = re.sub(r"^\w*(Connection|Pool)\w*\(host=[^)]*\):\s*", "", text)
    if label == "connection error" and "IncompleteRead" in text:
        label = "body cut short"
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
        if not isinstance(inner, BaseException):  # ProtocolError(message, cause)
            inner = next((a for a in exc.args if isinstance(a, BaseException)), None)
        if not isinstance(inner, BaseException) or id(inner) in seen:
            return exc
        seen.add(id(inner))
        exc = inner


def _body_hint(resp: requests.Response) -> str:
    """The start of an error body (one bounded read: an error page never holds us up)."""
    try:
        head = resp.raw.read1(2048, decode_content=True)
    except (urllib3.exceptions.HTTPError, OSError):
        return ""
    text = " ".join(head.decode("utf-8", "replace").split())
    return f" ({text[:200]})" if text else ""


def _tries(n: int) -> str:
    return "try" if n == 1 else "tries"


def _show(url: str, params: dict | None) -> str:
    if not params:
        return url
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}?{query}"


def _real(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)
