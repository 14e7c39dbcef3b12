"""Plain words for people: probabilities, water hardness classes and finding titles.

Everything a person reads (CLI summary, HTML report, finding messages) goes through these
helpers so that numbers are shown the same way everywhere and no internal id (``ca_mg_ratio``)
reaches a person's page. JSON output keeps the ids.
"""

from __future__ import annotations

import math
import re

__all__ = ["UNSAFE_TEXT", "format_probability", "hardness_class", "plain_label", "printable"]

# Characters that move the cursor or the line like a line break (vertical tab, form feed,
# file/group/record/unit separators, carriage return, NEL, line and paragraph separators):
# shown as a space, so that line numbers stay those of a text editor (by "\n" only).
_BREAKS = "\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u2028\u2029"
#: Control characters a terminal may act on (C0 except tab and newline, DEL, C1 with NEL, the
#: line/paragraph separators, and the bidirectional overrides and isolates of "Trojan source").
UNSAFE_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match[str]) -> str:
    c = m.group(0)
    if c in _BREAKS:
        return " "
    o = ord(c)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def printable(text: str) -> str:
    r"""Text from a user's file made safe to print on a terminal.

    Line-break-like characters (form feed, vertical tab, carriage return, NEL, U+2028,
    U+2029, the C0 separators) become a space; other control characters (ESC, NUL, DEL, C1
    codes, bidirectional overrides) become a visible escape such as ``\x1b``. Tabs and all
    printable characters (accents, CJK, emoji) are kept. Newlines are not expected (the
    readers split lines first) and are kept.

    Parameters
    ----------
    text : str
        A line or cell as read.

    Returns
    -------
    str
        The same text when it holds nothing unsafe (the common case: no copy).

    Examples
    --------
    >>> print(printable("café \x1b[31mred\x1b[0m"))
    café \x1b[31mred\x1b[0m
    >>> printable("1 banana\x0c")
    '1 banana '
    """
    if UNSAFE_TEXT.search(text) is None:
        return text
    return UNSAFE_TEXT.sub(_visible, text)


def format_probability(p: float) -> str:
    """A probability as whole per cent, never "0 %" or "100 %".

    Parameters
    ----------
    p : float
        Probability in [0, 1].

    Returns
    -------
    str
        ``"< 1 %"`` when the value would round to 0 %, ``"> 99 %"`` when it would round to
        100 %, else ``"NN %"`` (e.g. ``"27 %"``); ``"unknown"`` for NaN.

    Examples
    --------
    >>> format_probability(0.004), format_probability(0.27), format_probability(0.996)
    ('< 1 %', '27 %', '> 99 %')
    """
    if math.isnan(p):
        return "unknown"
    pct = math.floor(100.0 * p + 0.5)  # half up: 0.005 -> 1 %, 0.995 -> 100 %
    if pct <= 0:
        return "< 1 %"
    if pct >= 100:
        return "> 99 %"
    return f"{pct} %"


def hardness_class(mg_l_caco3: float) -> str:
    """USGS class of drinking-water hardness.

    Parameters
    ----------
    mg_l_caco3 : float
        Total hardness [mg/L as CaCO3].

    Returns
    -------
    str
        ``"soft"`` (0-60), ``"moderately hard"`` (61-120), ``"hard"`` (121-180) or
        ``"very hard"`` (more than 180); bounds from ``data/interactions.toml``
        (``[water_hardness_classes]``, USGS Water Science School, "Hardness of Water").
        Values between two classes (e.g. 60.4) belong to the higher class only once they
        exceed the lower class's upper bound.

    Raises
    ------
    ValueError
        For a negative or NaN hardness.

    Examples
    --------
    >>> hardness_class(40), hardness_class(61), hardness_class(181)
    ('soft', 'moderately hard', 'very hard')
    """
    from magnerve.interactions import thresholds

    if not mg_l_caco3 >= 0:
        raise ValueError(f"hardness must be >= 0 mg/L as CaCO3, got {mg_l_caco3!r}")
    t = thresholds()["water_hardness_classes"]
    for name, upper in zip(t["classes"], t["upper_mg_per_l"], strict=False):
        if mg_l_caco3 <= upper:
            return str(name)
    return str(t["classes"][-1])


_LABELS = {
    "ca_mg_ratio": "Calcium-to-magnesium ratio",
    "zinc": "Zinc and magnesium",
    "vitamin_d": "Vitamin D and magnesium",
    "vitamin_b6": "Vitamin B6 (nerve safety limit)",
    "serum": "Serum magnesium",
    "rbc": "Red-cell magnesium",
    "urine_24h": "24-hour urine magnesium",
    "femg": "Fractional magnesium excretion",
    "fe_mg": "Fractional magnesium excretion",
    "vitamin_d_25oh": "Vitamin D blood level (25-OH D)",
    "low_normal": "low-normal",
    "very_low": "very low",
    "above_ul": "above the upper level",
    "above_efsa_ul": "above the EFSA upper level",
    "high_dose": "high dose",
    "high_d_low_mg": "vitamin D high, magnesium low",
    "ok": "OK",
    "magnesium_target": "reaching the magnesium target",
    "energy": "keeping calories about the same",
    "ca_mg_ratio_low": "calcium-to-magnesium ratio (lower limit)",
    "ca_mg_ratio_high": "calcium-to-magnesium ratio (upper limit)",
    "zinc_ul": "zinc upper level",
    "vitamin_d_ul": "vitamin D upper level",
    "vitamin_b6_efsa_ul": "vitamin B6 upper level",
    "sodium_limit": "salt (sodium) limit",
    "supplement_ul": "supplement upper level",
    "max_new_foods": "number of new foods",
    "solver": "the optimiser",
    "ppi": "proton-pump inhibitor",
    "egfr_antibody": "anti-EGFR antibody",
    "amphotericin_b": "amphotericin B",
}


def plain_label(key: str) -> str:
    """A person-facing label for an internal id (check, status, medicine class, constraint).

    Parameters
    ----------
    key : str
        e.g. ``"ca_mg_ratio"``, ``"low_normal"``, ``"thiazide_diuretic"``.

    Returns
    -------
    str
        The curated label when there is one (``"Calcium-to-magnesium ratio"``), else the id
        with underscores as spaces (``"thiazide diuretic"``).

    Examples
    --------
    >>> plain_label("ca_mg_ratio"), plain_label("thiazide_diuretic")
    ('Calcium-to-magnesium ratio', 'thiazide diuretic')
    """
    return _LABELS.get(key, key.replace("_", " "))
