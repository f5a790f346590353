"""The project's own files agree with each other: pyproject, environment.yml, Makefile, CI."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_requirements() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = meta["dependencies"] + [
        r for extra in meta["optional-dependencies"].values() for r in extra
    ]
    out = {}
    for text in reqs:
        req = Requirement(text)
        if req.name != "liqlib":  # an extra naming another (liqlib[explorer])
            out[req.name.lower()] = str(req.specifier)
    return out


def _environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and dep not in ("pip",) and not dep.startswith("python"):
            name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", dep).groups()
            out[name.lower()] = spec.replace(" ", "")
    return out


def test_environment_yml_matches_pyproject_names_and_lower_bounds():
    assert _environment_requirements() == _pyproject_requirements()


def test_environment_yml_installs_the_package_editable_from_conda_forge():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    pip_parts = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_parts == [["-e ."]]


def test_every_dependency_has_a_lower_bound_and_no_upper_pin():
    for name, spec in _pyproject_requirements().items():
        assert spec.startswith(">="), f"{name} needs a lower bound, not {spec!r}"
        assert "==" not in spec and "<" not in spec, f"{name} is pinned: {spec!r}"


def test_make_installs_every_extra_and_the_core_stays_lean():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = set(meta["optional-dependencies"])
    assert {"explorer", "report", "app", "browser", "dev"} <= extras
    line = re.search(r"^EXTRAS\s*:?=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert line and set(line.group(1).split(",")) == extras
    core = {Requirement(r).name.lower() for r in meta["dependencies"]}
    heavy = {"jupyterlab", "voila", "papermill", "nbconvert", "plotly", "ipywidgets", "anywidget"}
    assert not core & heavy, f"the core install pulls {sorted(core & heavy)}: move to an extra"


def test_ci_runs_make_test_and_makefile_has_the_targets():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    targets = set(re.findall(r"^([a-z]+):", (ROOT / "Makefile").read_text(), re.M))
    assert {"report", "test", "bench", "lab"} <= targets


def test_readme_quickstart_is_exactly_two_commands():
    text = (ROOT / "README.md").read_text()
    block = text.split("## Quickstart", 1)[1].split("```", 2)[1]
    commands = [ln for ln in block.splitlines()[1:] if ln.strip() and not ln.startswith("#")]
    assert commands == ["make report", "make test"]


def test_notebooks_committed_without_outputs_and_with_one_parameters_cell():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for path in notebooks:
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), (
            f"{path.name} has outputs: run `make format` / strip outputs before committing"
        )
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"


def test_what_the_explorer_imports_is_declared_in_its_extra():
    """plotly 6's FigureWidget needs anywidget: a fresh install once lacked it (notebook 03)."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    explorer = {Requirement(r).name.lower() for r in meta["optional-dependencies"]["explorer"]}
    assert {"plotly", "ipywidgets", "anywidget"} <= explorer
