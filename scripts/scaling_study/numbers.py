"""Numbers as rangefarm writes them on its command line ('1e9') and as the
tables print them."""
from .errors import UsageError


def parse_count(text):
    """'1e9', '1000000000', '25e6' -> int: the exact forms rangefarm accepts."""
    t = text.strip().lower()
    mant, _, exp = t.partition("e")
    if not mant.isdigit() or (exp and not exp.isdigit()):
        raise UsageError(f"not a whole number: {text!r}")
    return int(mant) * 10 ** int(exp or 0)


def fmt_count(n):
    """1000000000 -> '1e9' where that is exact and shorter, else the digits."""
    m, e = n, 0
    while m and m % 10 == 0:
        m //= 10
        e += 1
    return f"{m}e{e}" if e >= 3 else str(n)


def fmt_float(x):
    """A float for a CSV cell: six significant digits; '' for None."""
    return "" if x is None else f"{x:.6g}"
