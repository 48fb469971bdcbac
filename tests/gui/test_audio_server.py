"""The look at the sound server that Qt cannot give (``gui.audio_server``): gone, silent,
and there (the last with a real PulseAudio, in test_playback_controller)."""

import socket
import time

import pytest

from songsketch.gui.audio_server import _libpulse, pulse_reachable


@pytest.fixture
def server_at(monkeypatch, tmp_path):
    if _libpulse() is None:
        pytest.skip("libpulse is not installed")
    path = tmp_path / "native"
    monkeypatch.setenv("PULSE_SERVER", f"unix:{path}")
    return path


def test_no_server_at_the_address_is_told_at_once(server_at):
    start = time.perf_counter()
    assert pulse_reachable() is False
    assert time.perf_counter() - start < 0.2


def test_a_server_that_does_not_answer_is_not_called_gone(server_at):
    """A socket that takes the connection but never speaks (a busy server): not False (that
    would shut the synth off for the session), but None once the timeout has passed."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(server_at))
    listener.listen(1)
    try:
        start = time.perf_counter()
        assert pulse_reachable(timeout=0.3) is None
        assert 0.25 < time.perf_counter() - start < 1.5
    finally:
        listener.close()
