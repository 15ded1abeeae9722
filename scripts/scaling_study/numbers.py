"""Numbers as rangefarm writes them on its command line ('1e9', '2.5e6') and
as the tables print them."""
import re

from .errors import UsageError

# [digits][.digits][(e|E)[+|-]digits]: the forms rangefarm's parse_count reads.
_FORM = re.compile(r"([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?)([0-9]+))?")
_LIMIT = 2 ** 64 - 1
_EXPONENT_CAP = 10 ** 12  # past it a non-zero value is too large or not whole


def parse_count(text):
    """'1e9', '1000000000', '2.5e6', '10.5e9' -> int: every decimal form
    whose value is a whole number up to 2^64 - 1, worked out exactly on the
    digits as rangefarm does (src/rangefarm/common/numbers.cpp); UsageError with
    rangefarm's reason otherwise ('2.55e1' is not a whole number: 2.55e1 = 25.5)."""
    m = _FORM.fullmatch(text)
    if text.startswith("-"):
        raise UsageError(f"{text!r} is negative")
    if not m or not (m[1] or m[2]):
        raise UsageError(f"{text!r} is not an integer (use digits or a form like 1e9 or 2.5e6)")
    whole, fraction, sign, exp_digits = m[1], m[2] or "", m[3], m[4] or ""
    short = len(exp_digits.lstrip("0")) <= 13  # int() of a huge one would be slow
    exponent = min(int(exp_digits or 0), _EXPONENT_CAP) if short else _EXPONENT_CAP
    exponent = -exponent if sign == "-" else exponent
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return 0
    significant = digits.rstrip("0")
    scale = exponent - len(fraction) + len(digits) - len(significant)
    if scale < 0:
        raise UsageError(_not_whole(text, m[4] is not None, significant, -scale))
    if len(significant) + scale > 20 or int(significant) * 10 ** scale > _LIMIT:
        raise UsageError(f"{text!r} is too large (the limit is 2^64 - 1)")
    return int(significant) * 10 ** scale


def _not_whole(text, has_exponent, digits, after):
    """The reason a value digits * 10^-after (after > 0) is refused."""
    why = f"{text!r} is not a whole number"
    if not has_exponent:
        return why
    if after < len(digits):
        return f"{why}: {text} = {digits[:-after]}.{digits[-after:]}"
    if after - len(digits) > 30:
        return f"{why}: {text} lies between 0 and 1"
    return f"{why}: {text} = 0.{'0' * (after - len(digits))}{digits}"


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
