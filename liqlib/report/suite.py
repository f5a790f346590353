"""Where the notebook suite is, and what each notebook's ``parameters`` cell declares.

The notebooks ship with the package: a wheel installs ``notebooks/*.ipynb`` as data files under
``<prefix>/share/liqlib/notebooks`` (``[tool.setuptools.data-files]`` in ``pyproject.toml``),
so ``liqlib report`` finds them outside a checkout too.
"""

from __future__ import annotations

import ast
import json
import site
import sys
from pathlib import Path

from liqlib.errors import InputError

__all__ = ["default_notebooks", "notebook_parameters", "notebooks_dir", "parameters_help"]

#: Where a wheel puts the notebooks, under an installation prefix.
SHARE = Path("share") / "liqlib" / "notebooks"


def _candidates() -> list[Path]:
    checkout = Path(__file__).resolve().parents[2]
    prefixes = [Path(sys.prefix), Path(sys.base_prefix), Path(site.getuserbase())]
    return [
        Path("notebooks"),  # run from a checkout's root (the Makefile's way)
        checkout / "notebooks",  # an editable install, run from anywhere
        *(p / SHARE for p in dict.fromkeys(prefixes)),  # an installed wheel
    ]


def notebooks_dir() -> Path:
    """The folder of the suite's ``NN-title.ipynb`` notebooks.

    The first that holds any: ``./notebooks``; the checkout's ``notebooks/`` (editable
    install); ``<prefix>/share/liqlib/notebooks`` of this Python (an installed wheel), then of
    the user's base (``pip install --user``).

    Returns
    -------
    pathlib.Path
        The folder (absolute unless it is ``./notebooks``).

    Raises
    ------
    InputError
        No folder holds the notebooks; the message lists where it looked.

    Examples
    --------
    >>> sorted(p.name for p in default_notebooks(notebooks_dir()))[0]
    '00-liquidation-basics.ipynb'
    """
    tried = _candidates()
    for folder in tried:
        if default_notebooks(folder):
            return folder
    raise InputError(
        "the liqlib notebooks are not installed (looked in "
        + ", ".join(str(p) for p in tried)
        + "): reinstall liqlib from its wheel or sdist, or pass --notebooks-dir"
    )


def default_notebooks(folder: Path) -> list[Path]:
    """The numbered notebooks of the suite in ``folder``, in order (``NN-title.ipynb``)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]-*.ipynb"))


def notebook_parameters(notebook: str | Path) -> dict[str, tuple[object, str]]:
    """The parameters a notebook declares in its ``parameters``-tagged cell.

    Parameters
    ----------
    notebook : str or pathlib.Path
        An ``.ipynb`` file.

    Returns
    -------
    dict
        Name -> (default value, the comment on its line or ""), in the cell's order. A value
        that is not a literal is given as its source text.

    Examples
    --------
    >>> params = notebook_parameters(notebooks_dir() / "20-report.ipynb")
    >>> "SYMBOL" in params
    True
    """
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return {}
    source = "".join(cells[0]["source"])
    lines = source.splitlines()
    out: dict[str, tuple[object, str]] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            continue
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            value = ast.get_source_segment(source, node.value)
        line = lines[node.end_lineno - 1]
        comment = line.split("#", 1)[1].strip() if "#" in line else ""
        out[target.id] = (value, comment)
    return out


def parameters_help(folder: Path | None = None, width: int = 100) -> str:
    """The ``-p`` parameters of every notebook in ``folder``, for ``liqlib report --help``.

    Parameters
    ----------
    folder : pathlib.Path, optional
        The notebooks' folder (default: :func:`notebooks_dir`).
    width : int
        Longest line (characters); longer defaults are cut with "...".

    Returns
    -------
    str
        One line per parameter: name, default, the notebooks that take it and its comment;
        "" when the notebooks cannot be found.
    """
    try:
        folder = notebooks_dir() if folder is None else Path(folder)
    except InputError:
        return ""
    seen: dict[str, list] = {}
    for nb in default_notebooks(folder):
        for name, (value, comment) in notebook_parameters(nb).items():
            entry = seen.setdefault(name, [[], comment, []])
            entry[0].append(repr(value))
            entry[2].append(nb.name[:2])
            entry[1] = entry[1] or comment
    lines = []
    for name, (values, comment, where) in seen.items():
        shown = (
            values[0]
            if len(set(values)) == 1
            else "(per notebook: "
            + ", ".join(f"{nb} {v}" for nb, v in zip(where, values, strict=True))
            + ")"
        )
        text = f"  {name} = {shown}  [{','.join(where)}]" + (f"  {comment}" if comment else "")
        lines.append(text if len(text) <= width else text[: width - 3] + "...")
    return "\n".join(lines)
