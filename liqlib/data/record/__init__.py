"""Record realized liquidations from the venues' public streams; read them back.

``liqlib record`` (:mod:`.cli`) runs :func:`.recorder.record`; :func:`.read.load_liquidations`,
:func:`.read.load_gaps` and :func:`.read.to_bars` read the store it writes (:mod:`.store`).
Submodules load on first use (the CLI parser needs neither pandas nor websockets).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submodules=["cli", "events", "read", "recorder", "store", "streams"],
    submod_attrs={
        "read": [
            "LIQUIDATION_COLUMNS",
            "load_coverage",
            "load_gaps",
            "load_liquidations",
            "to_bars",
            "write_liquidations",
        ]
    },
)
