"""Is the sound server there? A look at PulseAudio (or PipeWire's PulseAudio side) that Qt
cannot give.

Qt Multimedia's PulseAudio backend drops its connection when the server goes away but keeps
listing the server's devices; a new audio sink started then aborts the whole process inside
libpulse (``Assertion 'c' failed at pulse/context.c``). So before an audio sink is made, and
now and then while one plays, ``pulse_reachable`` connects to the server the way Qt's libpulse
would (the same ``PULSE_SERVER``, client.conf and runtime folder), on a private main loop,
and hangs up at once: about a millisecond, no sound, no server started.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time

_READY, _FAILED, _TERMINATED = 4, 5, 6  # pa_context_state_t
_NOAUTOSPAWN = 1  # pa_context_flags_t: look, never start a server
_lib = None


def _libpulse():
    """libpulse through ctypes, or None where it is not installed."""
    global _lib
    if _lib is None:
        name = ctypes.util.find_library("pulse") or "libpulse.so.0"
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            _lib = False
            return None
        p = ctypes.c_void_p
        for fn, res, args in (
            ("pa_mainloop_new", p, []),
            ("pa_mainloop_get_api", p, [p]),
            ("pa_mainloop_prepare", ctypes.c_int, [p, ctypes.c_int]),
            ("pa_mainloop_poll", ctypes.c_int, [p]),
            ("pa_mainloop_dispatch", ctypes.c_int, [p]),
            ("pa_mainloop_free", None, [p]),
            ("pa_context_new", p, [p, ctypes.c_char_p]),
            ("pa_context_connect", ctypes.c_int, [p, ctypes.c_char_p, ctypes.c_int, p]),
            ("pa_context_get_state", ctypes.c_int, [p]),
            ("pa_context_disconnect", None, [p]),
            ("pa_context_unref", None, [p]),
        ):
            getattr(lib, fn).restype, getattr(lib, fn).argtypes = res, args
        _lib = lib
    return _lib or None


def pulse_reachable(timeout: float = 0.5) -> bool | None:
    """True when a PulseAudio server answers, False when there is none (refused, no socket),
    None when it cannot be told: libpulse is not installed (Qt then does not play through it
    either) or the server did not answer within ``timeout`` seconds (busy, not gone)."""
    lib = _libpulse()
    if lib is None:
        return None
    loop = lib.pa_mainloop_new()
    if not loop:
        return False
    context = lib.pa_context_new(lib.pa_mainloop_get_api(loop), b"songsketch-probe")
    try:
        if not context or lib.pa_context_connect(context, None, _NOAUTOSPAWN, None) < 0:
            return False
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            # one turn of the loop, waiting for the server at most until the deadline
            if lib.pa_mainloop_prepare(loop, int(left * 1e6)) < 0 or lib.pa_mainloop_poll(loop) < 0:
                return False
            lib.pa_mainloop_dispatch(loop)
            state = lib.pa_context_get_state(context)
            if state == _READY:
                return True
            if state in (_FAILED, _TERMINATED):
                return False
        return None
    finally:
        if context:
            lib.pa_context_disconnect(context)
            lib.pa_context_unref(context)
        lib.pa_mainloop_free(loop)
