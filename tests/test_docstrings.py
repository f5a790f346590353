"""numpydoc sections where ruff's D rules cannot see them: numpydoc reads ``Examples`` (an
``Example`` section is ignored by it and by Sphinx), and every public function that takes
arguments documents them in a ``Parameters`` section."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import liqlib as lq

PKG = Path(lq.__file__).resolve().parent
SECTION = re.compile(r"^(\s*)(\w[\w ]*)\n\1(-{3,})\s*$", re.M)
NUMPY_SECTIONS = {
    "Parameters", "Returns", "Yields", "Receives", "Other Parameters", "Raises", "Warns",
    "Warnings", "See Also", "Notes", "References", "Examples", "Attributes", "Methods",
}  # fmt: skip


def test_every_docstring_section_is_a_numpydoc_section():
    unknown = []
    for path in sorted(PKG.rglob("*.py")):
        text = path.read_text()
        for m in SECTION.finditer(text):
            # function and class docstrings (indented); a module's own headings may be free
            inside = bool(m.group(1)) or m.group(2) == "Example"
            if inside and len(m.group(3)) == len(m.group(2)) and m.group(2) not in NUMPY_SECTIONS:
                line = text[: m.start()].count("\n") + 1
                unknown.append(f"{path.relative_to(PKG.parent)}:{line} {m.group(2)!r}")
    assert not unknown, "not numpydoc sections (e.g. 'Example' -> 'Examples'):\n" + "\n".join(
        unknown
    )


def test_public_functions_with_arguments_have_a_parameters_section():
    missing = []
    for name in sorted(lq._LAZY):
        obj = getattr(lq, name)
        if not inspect.isfunction(obj):
            continue
        takes = [p for p in inspect.signature(obj).parameters if p != "self"]
        if takes and "Parameters\n----------" not in (inspect.getdoc(obj) or ""):
            missing.append(name)
    assert not missing, f"lq.{missing[0]} and {len(missing) - 1} more lack a Parameters section"
