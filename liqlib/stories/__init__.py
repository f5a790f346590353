"""Stage 6, stories: what the notebooks tell from a heatmap: hot zones and alerts, the
beginners' calculator, guidance tested on data, case studies, cited figures, report windows, what hot zones are
worth beyond distance.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=[
        "calculator",
        "case",
        "cited",
        "guidance",
        "report_window",
        "story",
        "views",
        "zone_worth",
        "zones",
    ],
)
