"""Run notebooks headless with papermill, record key figures, and write HTML reports."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

RECORD_MIME = "application/vnd.liqlib.record+json"


def record(name: str, value: Any) -> None:
    """Record a key figure in a notebook's output so tests and reports can read it back.

    Shows as one ``name = value`` line; the value is stored as JSON under a liqlib MIME type.

    Examples
    --------
    >>> record("low_usd", 98918.6)  # doctest: +SKIP
    low_usd = 98918.6
    """
    from IPython.display import display

    value = _jsonable(value)
    display({"text/plain": f"{name} = {value!r}", RECORD_MIME: {name: value}}, raw=True)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
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
) -> Path:
    """Execute one notebook with papermill into ``out_dir``; returns the executed copy.

    The notebook runs with its own folder as the working directory and a finite per-cell
    timeout, so a hang becomes a failure instead of a stuck job.
    """
    import papermill as pm

    disable_output_widget_sync()
    notebook, out_dir = Path(notebook), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / notebook.name
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


def to_html(executed: str | Path, html_path: str | Path | None = None) -> Path:
    """Convert an executed notebook to a standalone HTML file next to it (or at html_path)."""
    from nbconvert import HTMLExporter

    executed = Path(executed)
    html_path = executed.with_suffix(".html") if html_path is None else Path(html_path)
    body, _ = HTMLExporter().from_filename(str(executed))
    html_path.write_text(body, encoding="utf-8")
    return html_path


def run_suite(
    notebooks: Sequence[str | Path],
    out_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    timeout_s: int = 600,
) -> list[Path]:
    """Run every notebook and write one HTML report each; returns the HTML paths.

    Parameters a notebook does not declare are ignored by papermill with a warning, so one
    mapping can serve the whole suite.
    """
    pages = []
    for nb in notebooks:
        executed = run_notebook(nb, out_dir, parameters, timeout_s=timeout_s)
        pages.append(to_html(executed))
    return pages


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
