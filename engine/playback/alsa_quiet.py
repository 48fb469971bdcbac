"""Quiet ALSA while MIDI ports are listed on a machine without a sequencer.

Without ``/dev/snd/seq`` (a container, a server, a laptop without the snd-seq module),
python-rtmidi's ALSA backend fails to open the sequencer and libasound prints
``ALSA lib seq_hw.c:...(snd_seq_hw_open) open /dev/snd/seq failed`` on the terminal each
time the ports are listed. Nothing is wrong: the machine has no ALSA MIDI ports, and the
listing says so by returning none. ``alsa_quiet`` installs a silent libasound error handler
around such a listing (only then, and only when the sequencer device is missing), through
libasound's own ``snd_lib_error_set_handler``: the process's stderr is left alone, so other
threads' messages still show.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SEQUENCER = "/dev/snd/seq"

# void handler(const char *file, int line, const char *function, int err, const char *fmt, ...)
# (the variadic tail is ignored: the handler never reads it)
_HANDLER = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)


def _ignore(_file, _line, _function, _err, _fmt) -> None:
    """libasound's error handler that prints nothing."""


_SILENT = _HANDLER(_ignore)  # kept alive for as long as libasound may call it
_lock = threading.Lock()
_libasound = None
_loaded = False


def _asound():
    """libasound (the copy rtmidi uses: same soname), or None where there is none."""
    global _libasound, _loaded
    if not _loaded:
        _loaded = True
        name = ctypes.util.find_library("asound") if sys.platform.startswith("linux") else None
        try:
            _libasound = ctypes.CDLL(name or "libasound.so.2") if name else None
            if _libasound is not None:
                _libasound.snd_lib_error_set_handler.argtypes = [ctypes.c_void_p]
        except (OSError, AttributeError):
            _libasound = None
    return _libasound


def sequencer_missing() -> bool:
    """Whether this is Linux without an ALSA sequencer device (listing ports fails, harmlessly)."""
    return sys.platform.startswith("linux") and not os.path.exists(SEQUENCER)


@contextmanager
def alsa_quiet() -> Iterator[None]:
    """Inside, libasound prints no errors when the sequencer device is missing (its only
    errors then are 'cannot open /dev/snd/seq'); elsewhere this does nothing. One thread at a
    time: the handler is process-wide, and is put back to libasound's default on the way out."""
    lib = _asound() if sequencer_missing() else None
    if lib is None:
        yield
        return
    with _lock:
        lib.snd_lib_error_set_handler(ctypes.cast(_SILENT, ctypes.c_void_p))
        try:
            yield
        finally:
            lib.snd_lib_error_set_handler(None)


__all__ = ["SEQUENCER", "alsa_quiet", "sequencer_missing"]
