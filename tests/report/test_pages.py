"""The HTML export and the index, without running a kernel: the page title, cells removed by
tag, and the index's banner per run with its pages (the report first) and failures."""

from __future__ import annotations

import datetime as dt
import re

import nbformat
import pytest

from liqlib.report.cli import case_data
from liqlib.report.run import (
    RECORD_MIME,
    SuiteResult,
    log_run,
    read_records,
    report_pages,
    to_html,
    write_index,
)


def _executed(path, title="# 07 · A *small* page", data_note="SIMULATED demo", synthetic=True):
    nb = nbformat.v4.new_notebook()
    plumbing = nbformat.v4.new_code_cell("secret_plumbing = 1")
    plumbing.metadata["tags"] = ["remove-cell"]
    plumbing.outputs = [nbformat.v4.new_output("stream", name="stdout", text="PLUMBING OUT\n")]
    shown = nbformat.v4.new_code_cell("shown_code_here()")
    shown.metadata["tags"] = ["remove-input"]
    shown.outputs = [nbformat.v4.new_output("stream", name="stdout", text="VISIBLE RESULT\n")]
    rec = nbformat.v4.new_code_cell("lq.record(...)")
    rec.outputs = [nbformat.v4.new_output("display_data", data={
        "text/plain": "x", RECORD_MIME: {"data_note": data_note, "synthetic": synthetic,
                                         "window": "W1"}})]  # fmt: skip
    nb.cells = [nbformat.v4.new_markdown_cell(title + "\n\nIntro."), plumbing, shown, rec]
    nbformat.write(nb, path)
    return path


def test_page_title_is_the_notebook_title_and_tags_remove_what_they_say(tmp_path):
    page = to_html(_executed(tmp_path / "07-small.ipynb"), show_code=True)
    raw = page.read_text()
    assert re.search(r"<title>(.*?)</title>", raw).group(1) == "07 · A small page"
    assert "secret_plumbing" not in raw and "PLUMBING OUT" not in raw  # remove-cell
    assert "shown_code_here" not in raw and "VISIBLE RESULT" in raw  # remove-input
    untitled = _executed(tmp_path / "08-x.ipynb", title="no heading here")
    assert "<title>08-x</title>" in to_html(untitled).read_text()


def test_index_has_a_banner_per_run_the_report_first_and_failures(tmp_path):
    pages = [to_html(_executed(tmp_path / name)) for name in ("01-a.ipynb", "20-report-X.ipynb")]
    real = to_html(_executed(tmp_path / "11-case.ipynb", data_note="real hourly candles",
                             synthetic=False))  # fmt: skip
    result = SuiteResult(pages=[*pages, real], failures={"nb/12-b.ipynb": "ValueError: boom"})
    log_run(tmp_path, dt.datetime(2026, 1, 2, 6, 0), {"DATA": "demo"}, result,
            {"nb/11-case.ipynb": {"DATA": "events"}})  # fmt: skip
    entries = [(p, read_records(p.with_suffix(".ipynb"))) for p in report_pages(tmp_path)]
    index = write_index(tmp_path, entries, {"DATA": "demo"}).read_text()
    assert "Run of 2026-01-02 06:00 UTC &middot; DATA demo (11-case: DATA events)" in index
    assert "3 page(s) written, 1 failed" in index and "ValueError: boom" in index
    links = re.findall(r'href="([^"]+)"', index)
    assert links[0] == "20-report-X.html" and set(links) == {p.name for p in [*pages, real]}
    line = next(x for x in index.split("<li>") if "11-case.html" in x)
    assert ">real<" in line and "real hourly candles" in line
    assert ">SIMULATED<" in next(x for x in index.split("<li>") if "01-a.html" in x)


@pytest.mark.parametrize(
    "data, asked, mirror, want",
    [("binance", "auto", None, "binance"), ("binance", "auto", "/m", "events"),
     ("demo", "auto", None, "events"), ("demo", "demo", None, "demo")],
)  # fmt: skip
def test_case_studies_run_on_the_bundled_candles_unless_the_real_archive_is_there(
    data, asked, mirror, want
):
    assert case_data(data, asked, mirror) == want
