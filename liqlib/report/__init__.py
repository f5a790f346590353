"""Stage 7, report: papermill runs of the notebook suite, HTML pages and their index, the
``liqlib`` command line, ``record`` (key figures a notebook leaves for tests and reports) and
``reading_time`` (a notebook's time to learn, counted from its text).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["cache_cli", "cli", "reading", "run"],
    submod_attrs={"run": ["record", "versions", "run_suite"], "reading": ["reading_time"]},
)
