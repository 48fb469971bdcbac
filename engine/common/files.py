"""Files written whole or not at all (models, ideas, caches, exports), and names safe to give them."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write bytes so that ``path`` holds either the old content or all of the new, never part.

    Raises OSError (disk full, permission) with the old file untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # an ordinary file, not mkstemp's private 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{device}{n}" for device in ("COM", "LPT") for n in ("0123456789" + "\u00b9\u00b2\u00b3")]
)
MAX_NAME_BYTES = 100  # UTF-8; leaves room for a suffix within every filesystem's 255


def safe_filename(text: str, fallback: str, separator: str = "-") -> str:
    """A file or folder name made from free text (an idea's or a model's name) that is safe on
    Windows, macOS and Linux.

    Letters and digits of any script, ``.``, ``-`` and ``_`` are kept; every run of anything
    else (spaces, path separators, ``<>:"/\\|?*``, control characters) becomes ``separator``.
    The name never starts or ends with a dot, a dash or an underscore (no hidden files, no
    trailing dot Windows would drop), is at most MAX_NAME_BYTES long in UTF-8, and is never a
    Windows device name (``CON``, ``com1.txt``): ``separator + fallback`` follows such a stem.
    ``fallback`` is the name when nothing is left."""
    if separator not in ("-", "_"):
        raise ValueError(f"separator must be '-' or '_', not {separator!r}")
    name = re.sub(r"[^\w.-]+", separator, unicodedata.normalize("NFC", text))
    name = name.strip("._-").encode()[:MAX_NAME_BYTES].decode(errors="ignore").rstrip("._-")
    if not name:
        return fallback
    stem = name.split(".", 1)[0]
    if stem.upper() in WINDOWS_RESERVED:
        name = f"{stem}{separator}{fallback}{name[len(stem) :]}"
    return name
