"""Qt's own start-up chatter kept off the terminal, everything else passed on.

Qt Multimedia logs what it probed for while it starts (a PipeWire library it could not load,
the FFmpeg version it uses, a PulseAudio server that did not answer). None of it is for a
songwriter: the window itself says when there is no audio device. Those known lines are
dropped; every other Qt message reaches stderr as Qt would print it.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QtMsgType, qInstallMessageHandler

HARMLESS = (
    ("qt.multimedia.symbolsresolver", "Couldn't load pipewire"),
    ("qt.multimedia.symbolsresolver", "Couldn't resolve pipewire"),
    ("qt.multimedia.ffmpeg", "Using Qt multimedia with FFmpeg"),
    ("", "PulseAudioService: pa_context_connect() failed"),
)


def is_harmless(category: str, message: str) -> bool:
    return any(category.startswith(c) and message.startswith(m) for c, m in HARMLESS)


def _handler(kind: QtMsgType, context, message: str) -> None:
    category = (getattr(context, "category", None) or "").removeprefix("default")
    if is_harmless(category, message):
        return
    prefix = f"{category}: " if category else ""
    print(f"{prefix}{message}", file=sys.stderr, flush=True)


def quiet_qt_start_up() -> None:
    """Install the filter (once, before the QApplication starts Qt Multimedia)."""
    qInstallMessageHandler(_handler)
