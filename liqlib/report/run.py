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


def declared_parameters(notebook: str | Path) -> dict[str, dict]:
    """The parameters a notebook declares in its ``parameters`` cell (papermill's reading):
    name -> ``{"default": text, "help": comment}``."""
    from papermill.inspection import inspect_notebook

    return {
        name: {"default": info["default"], "help": info.get("help", "")}
        for name, info in inspect_notebook(str(notebook)).items()
    }


def check_parameters(notebooks: Sequence[str | Path], parameters: Mapping[str, Any]) -> None:
    """Refuse a parameter no notebook of the run declares (papermill would only warn).

    Raises
    ------
    LiqlibError
        Naming the first unknown parameter and the ones the notebooks know.
    """
    known: set[str] = set()
    for nb in notebooks:
        known |= set(declared_parameters(nb))
    unknown = sorted(set(parameters) - known)
    if unknown:
        from liqlib.errors import LiqlibError

        raise LiqlibError(
            f"-p {unknown[0]} is not a parameter of "
            f"{'this notebook' if len(notebooks) == 1 else 'these notebooks'}: use one of "
            f"{', '.join(sorted(known))}"
        )


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


def notebook_title(nb) -> str | None:
    """The text of the notebook's first ``# `` heading (Markdown stripped), or None."""
    import re

    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                text = re.sub(r"[*_`]|\[([^\]]*)\]\([^)]*\)", r"\1", line[2:]).strip()
                return text or None
    return None


#: Cell tags the HTML export honours (the Jupyter Book names): the whole cell, its code only,
#: or its outputs only are left out of the page; the executed notebook keeps everything.
REMOVE_TAGS = {"cell": "remove-cell", "input": "remove-input", "output": "remove-output"}


#: Notebook metadata the HTML export reads: ``{"liqlib": {"show_code": true}}`` keeps a
#: teaching notebook's code in its page whatever the suite's default.
NB_META = "liqlib"
#: Cells with this tag are folded into one ``<details>`` block per run of consecutive cells.
SOLUTION_TAG = "solution"


def page_shows_code(nb, default: bool) -> bool:
    """Whether a notebook's HTML page shows its code: its ``liqlib.show_code`` metadata when
    set, else ``default`` (the suite's choice)."""
    meta = nb.metadata.get(NB_META, {})
    value = meta.get("show_code", default) if isinstance(meta, dict) else default
    return bool(value)


def fold_solutions(
    body: str,
    tagged: Sequence[bool] | None = None,
    summary: str = "Solutions (open after trying the exercises)",
) -> str:
    """Wrap each run of consecutive cells tagged ``solution`` in a closed ``<details>`` block.

    nbconvert writes every cell as a top-level ``<div class="jp-Cell ...">`` and a cell's HTML
    runs to the next cell's start or the end of ``<main>``. ``tagged`` (one flag per notebook
    cell, in order) says which cells are solutions; without it, or when the page does not hold
    one ``<div>`` per cell, the ``celltag_solution`` class nbconvert gives tagged *code* cells
    decides. The page shows a one-line summary that opens on a click, no script.
    """
    import re

    marker = f"celltag_{SOLUTION_TAG}"
    found = list(re.finditer(r'<div class="(jp-Cell(?: [^"]*)?)"', body))
    if tagged is not None and len(tagged) == len(found):
        flags = [bool(t) for t in tagged]
    else:
        flags = [marker in m.group(1).split() for m in found]
    if not any(flags):
        return body
    starts = [(m.start(), flag) for m, flag in zip(found, flags, strict=True)]
    end_main = body.rfind("</main>")
    bounds = [pos for pos, _ in starts] + [end_main if end_main >= 0 else len(body)]
    out, last, inside = [], 0, False
    for pos, tagged in starts:
        if tagged and not inside:
            out += [
                body[last:pos],
                f'<details class="liqlib-solutions"><summary>{summary}</summary>',
            ]
            last, inside = pos, True
        elif not tagged and inside:
            out += [body[last:pos], "</details>"]
            last, inside = pos, False
    if inside:
        out += [body[last : bounds[-1]], "</details>"]
        last = bounds[-1]
    out.append(body[last:])
    return "".join(out)


def to_html(
    executed: str | Path, html_path: str | Path | None = None, *, show_code: bool = True
) -> Path:
    """Convert an executed notebook to a standalone HTML file next to it (or at html_path).

    ``show_code=False`` keeps only prose and outputs (the form of scheduled reports), and
    drops what the kernel wrote to stderr (warnings, logs): it stays in the executed notebook.
    Cells tagged ``remove-cell``, ``remove-input`` or ``remove-output`` lose that part in the
    page (:data:`REMOVE_TAGS`). The page's ``<title>`` is the notebook's first ``# `` heading.
    A notebook's own ``{"liqlib": {"show_code": ...}}`` metadata overrides ``show_code``
    (teaching notebooks keep their code). Cells tagged ``solution`` are folded in a
    ``<details>`` block. Saved widget state is dropped: its views need scripts from a CDN and
    a kernel, so offline it is megabytes that draw nothing (pages embed static figures or a
    self-contained snapshot instead).
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    executed = Path(executed)
    html_path = executed.with_suffix(".html") if html_path is None else Path(html_path)
    nb = nbformat.read(str(executed), as_version=4)
    show_code = page_shows_code(nb, show_code)
    exporter = HTMLExporter(
        exclude_input=not show_code,
        exclude_input_prompt=not show_code,
        exclude_output_prompt=not show_code,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags={REMOVE_TAGS["cell"]},
            remove_input_tags={REMOVE_TAGS["input"]},
            remove_all_outputs_tags={REMOVE_TAGS["output"]},
        ),
        enabled=True,
    )
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if "outputs" not in cell:
            continue
        kept = []
        for out in cell.outputs:
            if not show_code and out.get("name") == "stderr":
                continue
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                # no state to draw it from: keep its text form only if it says something
                data.pop("application/vnd.jupyter.widget-view+json")
                data.pop("text/plain", None)
                if not data:
                    continue
            kept.append(out)
        cell.outputs = kept
    nb.metadata["title"] = notebook_title(nb) or executed.stem
    body, _ = exporter.from_notebook_node(nb)
    tags = [set(c.metadata.get("tags", [])) for c in nb.cells]
    tagged = [SOLUTION_TAG in tg for tg in tags if REMOVE_TAGS["cell"] not in tg]  # cells shown
    html_path.write_text(fold_solutions(body, tagged), encoding="utf-8")
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
    per_notebook: Mapping[str, Mapping[str, Any]] | None = None,
) -> SuiteResult:
    """Run every notebook, write one HTML report each and an ``index.html`` linking them.

    A notebook that fails does not stop the others: its one-line error is collected in
    ``failures`` (and its partly executed copy is kept as the log). Parameters a notebook does
    not declare are ignored by papermill with a warning, so one mapping serves the suite.
    ``stems`` renames outputs (notebook path -> file stem), e.g. one report per symbol;
    ``per_notebook`` (notebook path -> parameters) overrides ``parameters`` for one notebook.
    Each run is logged in ``runs.json`` (time, DATA, pages, failures) for the index's banners.
    """
    result = SuiteResult()
    started = dt.datetime.now(dt.UTC)
    for nb in notebooks:
        nb = Path(nb)
        stem = (stems or {}).get(str(nb))
        executed = Path(out_dir) / (nb.name if stem is None else f"{stem}.ipynb")
        try:
            own = {**(parameters or {}), **(per_notebook or {}).get(str(nb), {})}
            run_notebook(nb, out_dir, own, timeout_s=timeout_s, stem=stem)
        except Exception as exc:  # one notebook's failure must not stop the rest
            # a cell error (PapermillExecutionError), a timeout, a dead kernel, a notebook
            # papermill cannot read: each becomes one line naming the notebook and its log
            result.failures[str(nb)] = failure_line(exc, executed)
            continue
        result.pages.append(to_html(executed, show_code=show_code))
    if result.pages or result.failures:
        log_run(Path(out_dir), started, parameters or {}, result, per_notebook)
    entries = [(page, read_records(page.with_suffix(".ipynb"))) for page in report_pages(out_dir)]
    if entries or result.failures:
        result.index = write_index(Path(out_dir), entries, parameters or {})
    return result


RUN_LOG = "runs.json"


def log_run(
    out_dir: Path,
    started,
    parameters: Mapping,
    result: SuiteResult,
    per_notebook: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Append one run (start time UTC, DATA, per-notebook DATA, pages written, failures) to
    ``runs.json``."""
    path = out_dir / RUN_LOG
    runs = json.loads(path.read_text()) if path.is_file() else []
    runs.append(
        {
            "started": started.strftime("%Y-%m-%d %H:%M UTC"),
            "data": str(parameters.get("DATA", "notebook defaults")),
            "data_by_notebook": {
                Path(nb).stem: str(p["DATA"])
                for nb, p in (per_notebook or {}).items()
                if "DATA" in p
            },
            "pages": [p.name for p in result.pages],
            "failures": {Path(nb).stem: line for nb, line in result.failures.items()},
        }
    )
    path.write_text(json.dumps(runs, indent=1))


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


def _is_report(name: str) -> bool:
    return name.startswith("20-report")


def page_status(rec: dict) -> str:
    """``SIMULATED`` or ``real`` data, from what a page recorded (``synthetic``, ``data_note``)."""
    note = str(rec.get("data_note", ""))
    if rec.get("synthetic") or "SIMULATED" in note or rec.get("data") == "demo":
        return "SIMULATED"
    return "real" if note else "data not recorded"


_INDEX_STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
    ".run{border:1px solid #ccc;border-radius:6px;margin:1.2em 0;padding:.2em 1em}"
    ".banner{font-weight:bold;padding:.4em .6em;border-radius:4px}"
    ".ok{background:#e6f4ea}.bad{background:#fde8e8}"
    ".SIMULATED{color:#8a5a00;font-weight:bold}.real{color:#146c2e;font-weight:bold}"
    "li{margin:.3em 0}"
)


def _page_line(page: Path, rec: dict) -> str:
    made = dt.datetime.fromtimestamp(page.stat().st_mtime, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    status = page_status(rec)
    source = rec.get("data_note", "")
    return (
        f'<li><a href="{html.escape(page.name)}">{html.escape(_title(page))}</a>'
        f' &middot; <span class="{html.escape(status.split()[0])}">{html.escape(status)}</span>'
        f" &middot; {html.escape(str(rec.get('window', '')))}"
        f" &middot; data: {html.escape(str(source))} &middot; made {made}</li>"
    )


def write_index(out_dir: Path, entries: list[tuple[Path, dict]], parameters: Mapping) -> Path:
    """``index.html``: a banner per run (when, DATA, pages written, failures), then one line
    per page (the report first): title, SIMULATED or real data, window, data source, when made.
    Pages of the folder no logged run wrote are listed last."""
    by_name = {page.name: (page, rec) for page, rec in entries}
    runs = json.loads((out_dir / RUN_LOG).read_text()) if (out_dir / RUN_LOG).is_file() else []
    blocks, listed = [], set()
    for run in reversed(runs):
        names = sorted(run["pages"], key=lambda n: (not _is_report(n), n))
        lines = [_page_line(*by_name[n]) for n in names if n in by_name]
        lines += [
            f"<li>{html.escape(nb)} &middot; <b>failed</b>: {html.escape(line)}</li>"
            for nb, line in run["failures"].items()
        ]
        listed.update(names)
        kinds = sorted({page_status(by_name[n][1]) for n in names if n in by_name})
        ok = not run["failures"]
        own = run.get("data_by_notebook", {})
        by_data: dict[str, list[str]] = {}
        for stem, value in own.items():
            by_data.setdefault(value, []).append(stem)
        extra = "".join(
            f" ({html.escape(', '.join(stems))}: DATA {html.escape(value)})"
            for value, stems in by_data.items()
        )
        banner = (
            f"Run of {html.escape(run['started'])} &middot; DATA {html.escape(run['data'])}{extra}"
            f" &middot; data: {html.escape(', '.join(kinds) or 'none')} &middot; "
            f"{len(run['pages'])} page(s) written, {len(run['failures'])} failed"
        )
        blocks.append(
            f'<div class="run"><p class="banner {"ok" if ok else "bad"}">{banner}</p>'
            f"<ul>{''.join(lines)}</ul></div>"
        )
    rest = sorted((n for n in by_name if n not in listed), key=lambda n: (not _is_report(n), n))
    if rest:
        blocks.append(
            '<div class="run"><p class="banner">Pages from earlier runs</p><ul>'
            + "".join(_page_line(*by_name[n]) for n in rest)
            + "</ul></div>"
        )
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>liqlib reports</title>"
        f"<style>{_INDEX_STYLE}</style></head><body><h1>liqlib reports</h1>\n"
        + "\n".join(blocks)
        + "\n</body></html>\n"
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
