"""The fuzzers' oracle for CSV diaries: which physical lines a diary holds, by the numbering
``read_diary`` documents (shared by ``tests/test_fuzz_diary.py`` and ``fuzz/atheris_diary.py``,
written from the documentation, not from the reader's code)."""

from __future__ import annotations

import csv


def blank(line: str) -> bool:
    """Whether a cleaned physical line holds no diary line: no cell with a visible character
    (quoted empty cells included). A line whose quote is left open is never blank."""
    if '"' not in line:
        return not line.replace(",", "").strip()
    try:
        cells = next(csv.reader([line], strict=True))
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            return False
        cells = next(csv.reader([line]))
    return not any(c.strip() for c in cells)


def physical_lines(text: str) -> list[str]:
    """The documented numbering (``read_diary``): lines end at ``\\n`` (at ``\\r`` in a file
    without ``\\n``); a lone ``\\r`` also ends a line when what follows it, up to the next
    ``\\r`` or line end, is a whole record: as many commas as the header, not only blanks."""
    if "\n" not in text and "\r" in text:
        return text.split("\r")
    lines = [x[:-1] if x.endswith("\r") else x for x in text.split("\n")]
    header = next((x for x in lines if x.strip()), "")
    n = header.count(",")
    if not n:
        return lines
    out: list[str] = []
    for x in lines:
        pieces = x.split("\r")
        out.append(pieces[0])
        for piece in pieces[1:]:
            if piece.count(",") == n and piece.strip(", \t"):
                out.append(piece)
            else:
                out[-1] += "\r" + piece
    return out
