"""Serve a folder over HTTP on 127.0.0.1: a local mirror of an exchange archive."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from liqlib.errors import InputError


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def serve_directory(root: str | Path) -> Iterator[str]:
    """Serve ``root`` read-only on a free loopback port for the duration of a ``with`` block.

    Parameters
    ----------
    root : path
        Folder in the archive's own layout (``data/futures/um/...``).

    Yields
    ------
    str
        The base URL, e.g. ``"http://127.0.0.1:41234"``.

    Examples
    --------
    >>> with serve_directory("mirror") as url:  # doctest: +SKIP
    ...     os.environ["LIQLIB_BINANCE_ARCHIVE_URL"] = url
    """
    root = Path(root).resolve()  # absolute: papermill changes the working directory
    if not root.is_dir():
        raise InputError(f"mirror folder {root} does not exist: pass the folder that holds data/")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
