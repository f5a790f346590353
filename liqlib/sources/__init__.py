"""Market-data sources, one module per venue.

``binance``  Binance USD-M futures: the public archive (data.binance.vision) and REST endpoints.

Every source returns frames with the column names of :mod:`liqlib.columns` and a UTC
``DatetimeIndex`` named ``time``. Functions named ``fetch_*`` touch the network; ``parse_*``
functions are pure and take the bytes or text of one file.
"""
