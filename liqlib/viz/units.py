"""The one USD formatter of figures, widgets and story text: ``950``, ``12k``, ``3.4M``, ``1.2B``."""

from __future__ import annotations

__all__ = ["format_usd", "usd_tick"]

_STEPS = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def format_usd(x: float, _pos=None, *, dollar: bool = False, digits: int = 3) -> str:
    """A compact USD amount: three significant digits and a k/M/B suffix.

    Parameters
    ----------
    x : float
        Amount in USD.
    _pos : object, optional
        Ignored: the tick position matplotlib passes, so ``FuncFormatter(format_usd)`` works.
    dollar : bool
        Prefix ``$`` (after the sign: ``-$12k``).
    digits : int
        Significant digits.

    Returns
    -------
    str
        E.g. ``"3.4M"``; ``"$3.4M"`` with ``dollar=True``.

    Examples
    --------
    >>> format_usd(1.2e6), format_usd(950), format_usd(-12e3, dollar=True)
    ('1.2M', '950', '-$12k')
    >>> format_usd(3_456_789_000, dollar=True)
    '$3.46B'
    """
    a = abs(float(x))
    text = f"{a:.{digits}g}"
    for div, suffix in _STEPS:
        if a >= div:
            text = f"{a / div:.{digits}g}{suffix}"
            break
    sign = "-" if x < 0 else ""
    return f"{sign}{'$' if dollar else ''}{text}"


def usd_tick(x: float, _pos=None) -> str:
    """Tick label for matplotlib USD axes and colour bars (``FuncFormatter(usd_tick)``): ``$3.4M``.

    Examples
    --------
    >>> usd_tick(3.4e9)
    '$3.4B'
    """
    return format_usd(x, dollar=True)
