"""Run notebooks headless with papermill, record key figures, and write HTML reports."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RECORD_MIME = "application/vnd.liqlib.record+json"


def record(name: str, value: Any) -> None:
    """Record a key figure in a notebook's output so tests and reports can read it back.

    Shows as one ``name = value`` line; the value is stored as JSON under a liqlib MIME type.

    Parameters
    ----------
    name : str
        The figure's name, e.g. ``"low_usd"`` (read back by :func:`read_records`).
    value : object
        A JSON-able value (numpy and pandas scalars are converted).

    Examples
    --------
    >>> record("low_usd", 98918.6)  # doctest: +SKIP
    low_usd = 98918.6
    """
    from IPython.display import display

    value = _jsonable(value)
    display({"text/plain": f"{name} = {value!r}", RECORD_MIME: {name: value}}, raw=True)


def _jsonable(value: Any) -> Any:
    """Plain JSON: numpy scalars unboxed, times as ISO strings, NaN and infinities as None."""
    import math

    if hasattr(value, "item") and not hasattr(value, "__len__"):  # numpy scalar
        value = value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return json.loads(json.dumps(value, default=str))


def read_records(notebook: str | Path) -> dict[str, Any]:
    """Every figure recorded with :func:`record` in an executed notebook."""
    import nbformat  # late: keeps ``import liqlib`` quick (nbformat + jsonschema take ~1 s)

    nb = nbformat.read(str(notebook), as_version=4)
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            found.update(out.get("data", {}).get(RECORD_MIME, {}))
    return found


def disable_output_widget_sync() -> None:
    """Work around the headless ``Output``-widget hang of nbclient (nbclient#312).

    nbclient mirrors ``Output`` widget state back to the kernel; under papermill that can
    dead-lock. Reports never need that state, so the sync becomes a no-op.
    """
    from nbclient import output_widget

    output_widget.OutputWidget.sync_state = lambda self: None


def run_notebook(
    notebook: str | Path,
    out_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    timeout_s: int = 600,
    stem: str | None = None,
) -> Path:
    """Execute one notebook with papermill into ``out_dir``; returns the executed copy
    (named ``stem + ".ipynb"`` when ``stem`` is given, else like the notebook).

    The notebook runs with its own folder as the working directory and a finite per-cell
    timeout, so a hang becomes a failure instead of a stuck job.
    """
    import os

    import papermill as pm

    os.environ.setdefault("LIQLIB_PROGRESS", "0")  # no progress widgets in executed notebooks
    disable_output_widget_sync()
    notebook, out_dir = Path(notebook), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (notebook.name if stem is None else f"{stem}.ipynb")
    pm.execute_notebook(
        str(notebook),
        str(target),
        parameters=dict(parameters or {}),
        cwd=str(notebook.parent),
        execution_timeout=timeout_s,
        progress_bar=False,
        kernel_name="python3",
    )
    return target


def to_html(
    executed: str | Path, html_path: str | Path | None = None, *, show_code: bool = True
) -> Path:
    """Convert an executed notebook to a standalone HTML file next to it (or at html_path).

    ``show_code=False`` keeps only prose and outputs (the form of scheduled reports), and
    drops what the kernel wrote to stderr (warnings, logs): it stays in the executed notebook.
    """
    import nbformat
    from nbconvert import HTMLExporter

    executed = Path(executed)
    html_path = executed.with_suffix(".html") if html_path is None else Path(html_path)
    exporter = HTMLExporter(
        exclude_input=not show_code,
        exclude_input_prompt=not show_code,
        exclude_output_prompt=not show_code,
    )
    nb = nbformat.read(str(executed), as_version=4)
    if not show_code:
        for cell in nb.cells:
            if "outputs" in cell:
                cell.outputs = [o for o in cell.outputs if o.get("name") != "stderr"]
    body, _ = exporter.from_notebook_node(nb)
    html_path.write_text(body, encoding="utf-8")
    return html_path


@dataclass
class SuiteResult:
    """What :func:`run_suite` produced: HTML pages, failures (notebook -> one line), index."""

    pages: list[Path] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    index: Path | None = None


def failure_line(exc: BaseException, executed: Path) -> str:
    """The notebook's own one-line error, and where its full log is."""
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = str(getattr(exc, "evalue", exc)).strip().splitlines()
    first = evalue[0] if evalue else ""
    return f"{ename}: {first} (full log: {executed})"


def run_suite(
    notebooks: Sequence[str | Path],
    out_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    timeout_s: int = 600,
    show_code: bool = True,
    stems: Mapping[str, str] | None = None,
) -> SuiteResult:
    """Run every notebook, write one HTML report each and an ``index.html`` linking them.

    A notebook that fails does not stop the others: its one-line error is collected in
    ``failures`` (and its partly executed copy is kept as the log). Parameters a notebook does
    not declare are ignored by papermill with a warning, so one mapping serves the suite.
    ``stems`` renames outputs (notebook path -> file stem), e.g. one report per symbol.
    """
    result = SuiteResult()
    for nb in notebooks:
        nb = Path(nb)
        stem = (stems or {}).get(str(nb))
        executed = Path(out_dir) / (nb.name if stem is None else f"{stem}.ipynb")
        try:
            run_notebook(nb, out_dir, parameters, timeout_s=timeout_s, stem=stem)
        except Exception as exc:  # one notebook's failure must not stop the rest
            # a cell error (PapermillExecutionError), a timeout, a dead kernel, a notebook
            # papermill cannot read: each becomes one line naming the notebook and its log
            result.failures[str(nb)] = failure_line(exc, executed)
            continue
        result.pages.append(to_html(executed, show_code=show_code))
    entries = [(page, read_records(page.with_suffix(".ipynb"))) for page in report_pages(out_dir)]
    if entries:
        result.index = write_index(Path(out_dir), entries, parameters or {})
    return result


def report_pages(out_dir: str | Path) -> list[Path]:
    """Every report in ``out_dir``: HTML pages next to their executed notebook, by name, so
    an index lists earlier runs into the same folder too."""
    folder = Path(out_dir)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.glob("*.html")
        if p.name != "index.html" and p.with_suffix(".ipynb").is_file()
    )


def _title(page: Path) -> str:
    import re

    text = page.read_text(encoding="utf-8", errors="replace")
    found = re.search(r"<h1[^>]*>(.*?)</h1>", text, flags=re.S)
    if not found:
        return page.stem
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).replace("¶", "").strip()


def write_index(out_dir: Path, entries: list[tuple[Path, dict]], parameters: Mapping) -> Path:
    """``index.html``: one line per report (what, window, data source, when made)."""
    rows = []
    for page, rec in entries:
        made = dt.datetime.fromtimestamp(page.stat().st_mtime, dt.UTC).strftime(
            "%Y-%m-%d %H:%M UTC"
        )
        window = rec.get("window", "")
        source = rec.get("data_note", parameters.get("DATA", ""))
        rows.append(
            f'<li><a href="{html.escape(page.name)}">{html.escape(_title(page))}</a>'
            f" &middot; {html.escape(str(window))} &middot; {html.escape(str(source))}"
            f" &middot; made {made}</li>"
        )
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>liqlib reports</title></head>"
        "<body><h1>liqlib reports</h1><ul>\n" + "\n".join(rows) + "\n</ul></body></html>\n"
    )
    index = out_dir / "index.html"
    index.write_text(body, encoding="utf-8")
    return index


def versions() -> dict[str, str]:
    """Versions of Python and the packages a liqlib result depends on (for a notebook's end)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("liqlib", "numpy", "pandas", "numba", "pyarrow", "matplotlib", "ipywidgets"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found
