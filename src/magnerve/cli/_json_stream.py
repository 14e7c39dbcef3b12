"""The CLI's JSON writer without typer: a value, or an object streamed piece by piece.

Split from :mod:`magnerve.cli._common` so that ``magnerve intake FILE --json`` can answer
without importing typer (:func:`magnerve.cli._intake_json.run_intake_json`); ``_common``
re-exports these names.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["_emit_json_items", "_json_object_chunks", "_json_value_bytes", "_no_surrogates"]


def _no_surrogates(text: str) -> str:
    """``text`` with lone surrogates (no character, not encodable) replaced by U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _json_value_bytes(value: Any) -> bytes:
    """The CLI's JSON of ``value`` (as :func:`_emit_json` writes it) without the final
    newline: orjson when it writes the value as Python would, else the standard library."""
    from magnerve.cli._fast import _orjson_bytes, dumps_json

    raw = _orjson_bytes(value)
    if raw is None:
        text = dumps_json(value)
        try:
            raw = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate in some text: U+FFFD, never a crash
            raw = _no_surrogates(text).encode("utf-8")
    return raw[:-1]


def _json_object_chunks(items: Iterable[tuple[str, Any]]) -> Iterator[bytes]:
    """The bytes of :func:`_emit_json` for the object made of ``items``, piece by piece.

    Parameters
    ----------
    items : iterable of (str, object)
        Keys (distinct) and values in order. A value that is an iterator stands for a list
        given in batches: an iterator of lists whose concatenation is the list (as
        :meth:`magnerve.intake.IntakeReport.iter_dict` gives ``lines``, ``meals`` and
        ``days``). A batch may also be bytes: its items already encoded as they stand in
        the document (each indented for its place, joined by ``b",\\n"``, no final comma;
        :mod:`magnerve.cli._intake_json` writes them).

    Yields
    ------
    bytes
        Consecutive pieces of the document; joined, they are exactly the bytes
        ``_emit_json(dict(...))`` writes for the object with each batched list concatenated
        (2-space indent, UTF-8, a final newline). Each item, and each batch of a list, is
        encoded on its own as the one-key object ``{key: value}`` (so it comes out at its
        nesting level, with no re-indenting) and cut out of it; one batch is in memory at a
        time. A piece that orjson would write differently from Python (a float below 1e-4)
        is written by the standard library, as the whole document would be.
    """
    n = 0
    for key, value in items:
        if not isinstance(key, str):
            raise TypeError(f"JSON object keys must be str, not {type(key).__name__}")
        yield b",\n" if n else b"{\n"
        n += 1
        if not isinstance(value, Iterator):
            yield _json_value_bytes({key: value})[2:-2]  # b'  "key": value'
            continue
        # {key: [item, ...]} -> b'{\n  "key": [\n    item,\n    item\n  ]\n}'
        head = b"{\n  " + _json_value_bytes(key) + b": [\n"
        empty = True
        for batch in value:
            if not batch:
                continue
            if isinstance(batch, bytes):  # items already encoded at their place
                yield (head[2:] if empty else b",\n") + batch
                empty = False
                continue
            encoded = _json_value_bytes({key: batch})
            yield (head[2:] if empty else b",\n") + encoded[len(head) : -6]
            empty = False
        yield head[2:-2] + b"[]" if empty else b"\n  ]"
    yield b"\n}\n" if n else b"{}\n"


def _emit_json_items(items: Iterable[tuple[str, Any]]) -> None:
    """Write a JSON object to standard output as it is made (see :func:`_json_object_chunks`).

    The output is the same as ``_emit_json`` of the whole object, but a long diary's lines,
    meals and days are encoded and written a batch at a time (:meth:`IntakeReport.iter_dict`),
    so neither the whole mapping nor the whole text is ever held in memory.
    """
    buffer = getattr(sys.stdout, "buffer", None)
    encoding = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "")
    if buffer is not None and encoding == "utf8":
        sys.stdout.flush()  # the bytes go straight out, after any text already printed
        for chunk in _json_object_chunks(items):
            buffer.write(chunk)
        buffer.flush()
        return
    for chunk in _json_object_chunks(items):
        sys.stdout.write(chunk.decode("utf-8"))
