"""Market-data sources, one module per venue.

``binance``          Binance USD-M futures: archive kinds, URLs and checksum-verified downloads
                     (data.binance.vision); re-exports the modules below.
``binance_parsers``  pure parsers of the archive's CSV files (klines, metrics, funding, ...).
``binance_rest``     REST endpoints for recent windows the archive has not published yet.
``binance_symbols``  the symbols liqlib knows and their listing dates.
``csvtable``         venue-neutral CSV reading, time parsing and one-line diagnostics.
``coinglass``        Coinglass realized liquidations (API, CSV/JSON exports, the 30-minute
                     regime export with price and open interest).

Every source returns frames with the column names of :mod:`liqlib.data.columns` and a UTC
``DatetimeIndex`` named ``time``. Functions named ``fetch_*`` touch the network; ``parse_*``
functions are pure and take the bytes or text of one file.
"""

from liqlib.data.sources.coinglass import (
    fetch_coinglass_liquidations,
    load_coinglass_regime_csv,
    load_realized_liquidations,
    parse_coinglass_liquidations,
)

__all__ = [
    "fetch_coinglass_liquidations",
    "load_coinglass_regime_csv",
    "load_realized_liquidations",
    "parse_coinglass_liquidations",
]
