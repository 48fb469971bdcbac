"""Qt Multimedia's start-up chatter stays off the terminal; other Qt messages still reach it."""

import subprocess
import sys

SCRIPT = """
import sys
if sys.argv[1] == "quiet":
    from songsketch.gui.qt_messages import quiet_qt_start_up
    quiet_qt_start_up()
from PySide6.QtCore import qWarning
from PySide6.QtWidgets import QApplication
app = QApplication([])
from PySide6.QtMultimedia import QMediaDevices
QMediaDevices.audioOutputs()
qWarning("a message of our own")
"""


def _stderr(mode: str) -> str:
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


def test_multimedia_probing_is_not_printed_and_other_messages_are():
    loud, quiet = _stderr("loud"), _stderr("quiet")
    assert "a message of our own" in loud and "a message of our own" in quiet
    probing = [line for line in loud.splitlines() if "own" not in line]
    assert not [line for line in quiet.splitlines() if "own" not in line], quiet
    # (on a machine where Qt probes nothing aloud the filter has nothing to hide)
    assert all(
        any(token in line for token in ("pipewire", "FFmpeg", "PulseAudioService")) for line in probing
    ), probing
