"""Record realized liquidations from the venues' public streams; read them back.

``liqlib record`` (:mod:`.cli`) runs :func:`.recorder.record`; :func:`.read.load_liquidations`,
:func:`.read.load_gaps` and :func:`.read.to_bars` read the store it writes (:mod:`.store`).
"""

from liqlib.data.record.read import LIQUIDATION_COLUMNS, load_gaps, load_liquidations, to_bars

__all__ = ["LIQUIDATION_COLUMNS", "load_gaps", "load_liquidations", "to_bars"]
