"""How long a notebook takes to read: counted from its own text, never typed.

A teaching notebook states its "time to learn"; this module measures it from the notebook file
so the figure follows every edit: words of prose and code at a reading speed, a minute per
code cell to look at what it shows, and minutes per exercise (both stated assumptions).

Examples
--------
>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("word " * 400)])
>>> reading_time(nb, exercises=2, minutes_per_exercise=5.0)["minutes"]  # 400 words + 10 min
12
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from liqlib.errors import InputError

__all__ = ["WORDS_PER_MINUTE", "reading_time"]

#: Reading speed for technical prose (words per minute): a common estimate for careful reading
#: (200-250 wpm for non-fiction); code is counted as words too, read more slowly than prose by
#: counting every token separated by spaces or punctuation as a word.
WORDS_PER_MINUTE = 200.0
_WORD = re.compile(r"[A-Za-z0-9_]+")


def reading_time(
    notebook: Any,
    *,
    exercises: int = 0,
    minutes_per_exercise: float = 5.0,
    minutes_per_output: float = 1.0,
    words_per_minute: float = WORDS_PER_MINUTE,
) -> dict:
    """Minutes to read a notebook (markdown and code cells), look at what its code cells
    show (a figure, a table, a line) and do its exercises.

    Parameters
    ----------
    notebook : str, Path or nbformat.NotebookNode
        The notebook (a path is read with nbformat).
    exercises : int
        Number of exercises the reader does.
    minutes_per_exercise : float
        Minutes per exercise (an assumption; say so where the figure is shown).
    minutes_per_output : float
        Minutes to look at the result of one code cell (an assumption).
    words_per_minute : float
        Reading speed (words per minute, > 0).

    Returns
    -------
    dict
        ``words`` (prose), ``code_words``, ``read_minutes`` (float), ``code_cells``,
        ``output_minutes``, ``exercise_minutes``, ``minutes`` (total, rounded up to a whole
        minute), ``words_per_minute`` and ``text`` (one sentence saying how it was counted).

    Raises
    ------
    InputError
        If the notebook cannot be found or a rate is not positive.
    """
    import nbformat

    if not words_per_minute > 0 or min(minutes_per_exercise, minutes_per_output, exercises) < 0:
        raise InputError(
            "reading_time needs words_per_minute > 0 and exercises, minutes_per_exercise >= 0: "
            "use e.g. words_per_minute=200"
        )
    if isinstance(notebook, str | Path):
        path = Path(notebook)
        if not path.is_file():
            raise InputError(f"notebook {str(path)!r} not found: pass the path of an .ipynb file")
        notebook = nbformat.read(str(path), as_version=4)
    prose = sum(len(_WORD.findall(c.source)) for c in notebook.cells if c.cell_type == "markdown")
    code = sum(len(_WORD.findall(c.source)) for c in notebook.cells if c.cell_type == "code")
    cells = sum(c.cell_type == "code" and bool(c.source.strip()) for c in notebook.cells)
    read = (prose + code) / words_per_minute
    look = cells * minutes_per_output
    ex = exercises * minutes_per_exercise
    return {
        "words": prose,
        "code_words": code,
        "read_minutes": read,
        "code_cells": cells,
        "output_minutes": look,
        "exercise_minutes": ex,
        "minutes": math.ceil(read + look + ex),
        "words_per_minute": words_per_minute,
        "text": (
            f"about {math.ceil(read + look + ex)} minutes: {prose + code:,} words of prose and "
            f"code at {words_per_minute:g} words per minute ({read:.0f} min), {cells} code "
            f"cells at {minutes_per_output:g} min each to look at what they show"
            + (f", {exercises} exercises at {minutes_per_exercise:g} min each" if exercises else "")
        ),
    }
