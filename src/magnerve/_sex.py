"""One ``Sex`` type and one way to read it, shared by every module (issue 10)."""

from __future__ import annotations

from typing import Literal

__all__ = ["FEMALE_SPELLINGS", "MALE_SPELLINGS", "Sex", "normalise_sex"]

Sex = Literal["female", "male"]

#: Spellings accepted for each sex (case and surrounding spaces ignored).
FEMALE_SPELLINGS = ("f", "female", "woman", "w")
MALE_SPELLINGS = ("m", "male", "man")


def normalise_sex(sex: str) -> Sex:
    """``"female"`` or ``"male"`` from an accepted spelling.

    Raises
    ------
    ValueError
        Any other value.

    Examples
    --------
    >>> normalise_sex(" Woman "), normalise_sex("M")
    ('female', 'male')
    """
    s = str(sex).strip().lower()
    if s in FEMALE_SPELLINGS:
        return "female"
    if s in MALE_SPELLINGS:
        return "male"
    raise ValueError(f"sex must be 'female' or 'male', got {sex!r}")
