"""HTML pages of notebooks: code kept by notebook metadata, solutions folded, dead widget
state dropped, reading time counted."""

from __future__ import annotations

import nbformat
import pytest

import liqlib as lq
from liqlib.errors import InputError
from liqlib.report.run import fold_solutions, page_shows_code, to_html


def _notebook(show_code=None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    if show_code is not None:
        nb.metadata["liqlib"] = {"show_code": show_code}
    ex = nbformat.v4.new_code_cell("ANSWER = None")
    sol_md = nbformat.v4.new_markdown_cell("Worked answers", metadata={"tags": ["solution"]})
    sol = nbformat.v4.new_code_cell("solution_value = 42", metadata={"tags": ["solution"]})
    sol.outputs = [
        nbformat.v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=2)
    ]
    widget = nbformat.v4.new_code_cell("w")
    widget.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2},
                "text/plain": "VBox(children=...)",
            },
        )
    ]
    after = nbformat.v4.new_markdown_cell("## Onwards")
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), ex, sol_md, sol, widget, after]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"x": 1}}}
    return nb


@pytest.mark.parametrize(
    ("meta", "default", "shown"),
    [(None, False, False), (None, True, True), (True, False, True), (False, True, False)],
)
def test_notebook_metadata_decides_whether_code_is_shown(tmp_path, meta, default, shown):
    path = tmp_path / "nb.ipynb"
    nbformat.write(_notebook(meta), path)
    assert page_shows_code(nbformat.read(path, as_version=4), default) is shown
    page = to_html(path, show_code=default).read_text()
    assert ("ANSWER" in page) is shown


def test_solutions_are_folded_and_widget_state_dropped(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(_notebook(True), path)
    page = to_html(path).read_text()
    assert page.count("<details") == 1
    folded = page[page.index("<details") : page.index("</details>")]
    # both tagged cells, the markdown one too (nbconvert marks only code cells by class)
    assert "Worked answers" in folded and "solution_value" in folded and "42" in folded
    assert "ANSWER" not in folded and "Onwards" not in folded  # only the tagged cells
    assert "widget-state" not in page and "VBox(children" not in page


def test_fold_solutions_leaves_pages_without_solutions_alone():
    body = "<html><body><div class='jp-Cell'>x</div></body></html>"
    assert fold_solutions(body) == body


def test_reading_time_counts_words_cells_and_exercises():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("word " * 600),
            nbformat.v4.new_code_cell("a = b + c"),
            nbformat.v4.new_code_cell(""),
        ]
    )
    got = lq.reading_time(nb, exercises=3, minutes_per_exercise=4)
    assert got["words"] == 600 and got["code_words"] == 3 and got["code_cells"] == 1
    assert got["minutes"] == 17  # ceil(603 words / 200 wpm + 1 cell x 1 min + 3 x 4 min)
    assert "3 exercises at 4 min each" in got["text"] and "603 words" in got["text"]
    with pytest.raises(InputError, match="words_per_minute"):
        lq.reading_time(nb, words_per_minute=0)
    with pytest.raises(InputError, match="not found"):
        lq.reading_time("no-such.ipynb")
