"""One settings object: every LIQLIB_* variable declared once, read at call time, listed by
lq.show_config(); a log recipe that really prints."""

from __future__ import annotations

import ast
import logging
import subprocess
import sys
from pathlib import Path

import pytest

import liqlib as lq
from liqlib import settings
from liqlib.data.http import HttpConfig

PKG = Path(lq.__file__).resolve().parent


def test_the_environment_is_read_in_one_module_only():
    readers = []
    for path in sorted(PKG.rglob("*.py")):
        if path.name == "settings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            # os.environ.get(...), os.getenv(...), os.environ[...] read (writes are allowed)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                target = ast.unparse(node.func)
                if target in ("os.environ.get", "os.getenv"):
                    readers.append(f"{path.relative_to(PKG)}:{node.lineno} {target}")
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
                if ast.unparse(node.value) == "os.environ":
                    readers.append(f"{path.relative_to(PKG)}:{node.lineno} os.environ[...]")
    assert not readers, "read settings through liqlib.settings:\n" + "\n".join(readers)


def test_every_liqlib_variable_named_in_the_code_is_a_declared_setting():
    import re

    declared = {s.env for s in settings.SETTINGS.values()}
    named = set()
    for path in PKG.rglob("*.py"):
        named |= set(re.findall(r"\bLIQLIB_[A-Z_]+[A-Z]\b", path.read_text()))
    named -= {"LIQLIB_HTTP_"}  # the family, in prose
    assert named <= declared, f"undeclared: {sorted(named - declared)}"
    assert len(declared) >= 15


def test_settings_are_read_at_call_time(monkeypatch, tmp_path):
    monkeypatch.setenv("LIQLIB_HTTP_RETRIES", "2")
    monkeypatch.setenv("LIQLIB_CACHE_DIR", str(tmp_path / "c"))
    assert HttpConfig.from_env().retries == 2 and lq.default_cache_dir() == tmp_path / "c"
    monkeypatch.setenv("LIQLIB_HTTP_RETRIES", "7")
    monkeypatch.delenv("LIQLIB_CACHE_DIR")
    assert HttpConfig.from_env().retries == 7 and lq.default_cache_dir() != tmp_path / "c"


@pytest.mark.parametrize(
    "name, text, words",
    [
        ("http_timeout", "abc", "LIQLIB_HTTP_TIMEOUT='abc' is not a number > 0"),
        ("http_retries", "2.5", "LIQLIB_HTTP_RETRIES='2.5' is not an integer"),
        ("http_backoff", "x", "is not a number >= 0"),
        ("max_zip_ratio", "many", "LIQLIB_MAX_ZIP_RATIO='many' is not a number > 0"),
    ],
)
def test_a_value_that_does_not_parse_is_one_line_naming_the_variable(name, text, words):
    env = {settings.SETTINGS[name].env: text}
    with pytest.raises(lq.InputError, match="unset it or set e.g.") as err:
        settings.get(name, env=env)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_unknown_setting_and_blank_cache_dir_are_refused():
    with pytest.raises(lq.InputError, match="unknown setting 'nope': use one of cache_dir"):
        settings.get("nope")
    with pytest.raises(lq.InputError, match="is blank"):
        settings.default_cache_dir(env={"LIQLIB_CACHE_DIR": "  "})


def test_outside_a_checkout_the_cache_is_the_platform_user_cache(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.setattr(settings, "__file__", str(tmp_path / "site-packages/liqlib/settings.py"))
    assert settings.default_cache_dir(env={}) == Path(
        platformdirs.user_cache_dir("liqlib", appauthor=False)
    )
    assert settings.default_cache_dir(env={}) != PKG.parent / "data" / "cache"


def test_show_config_lists_every_setting_and_hides_secrets(capsys):
    env = {"LIQLIB_HTTP_RETRIES": "2", "COINGLASS_API_KEY": "sk-very-secret"}
    text = lq.show_config(env=env)
    assert capsys.readouterr().out.strip() == text.strip()
    lines = text.splitlines()
    assert len(lines) == 1 + len(settings.SETTINGS)
    assert all(any(line.startswith(s.env) for line in lines) for s in settings.SETTINGS.values())
    assert "2 (set)" in text and "sk-very-secret" not in text and "(set)" in text
    assert "30.0 (default)" in text  # LIQLIB_HTTP_TIMEOUT


def test_log_to_stderr_really_prints_in_a_fresh_interpreter(tmp_path):
    """The README recipe, run as a user would: without it INFO shows nothing; with it, it does."""
    code = (
        "import logging, liqlib as lq\n"
        "logging.getLogger('liqlib').setLevel('INFO')\n"
        "logging.getLogger('liqlib.data.store').info('before the recipe')\n"
        "lq.log_to_stderr('INFO')\n"
        "logging.getLogger('liqlib.data.store').info('after the recipe')\n"
        "logging.getLogger('liqlib.data.store').debug('too fine')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "before the recipe" not in proc.stderr and "too fine" not in proc.stderr
    assert "INFO liqlib.data.store: after the recipe" in proc.stderr


def test_log_to_stderr_replaces_its_own_handler():
    log = logging.getLogger("liqlib")
    before = list(log.handlers)
    try:
        first = lq.log_to_stderr("DEBUG")
        second = lq.log_to_stderr("WARNING")
        assert first not in log.handlers and second in log.handlers
        assert log.level == logging.WARNING
    finally:
        for h in list(log.handlers):
            if h not in before:
                log.removeHandler(h)
        log.setLevel(logging.NOTSET)
