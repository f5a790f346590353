"""Binance USD-M futures: archive kinds (:mod:`.kinds`), pure CSV parsers (:mod:`.parsers`), the
symbol list (:mod:`.symbols`), the REST client for recent windows (:mod:`.rest`), checksum-verified
archive downloads (:mod:`.archive`, the front: it re-exports the others) and the archive-layout
writer the demo market uses (:mod:`.writer`). Imports run kinds/parsers/symbols -> rest -> archive.
"""
