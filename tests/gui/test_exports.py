"""Saving the current idea as a MusicXML lead sheet or a WAV, made on the engine's thread;
a failure told on the GUI thread."""

import pytest

pytest.importorskip("PySide6.QtWidgets")


def test_save_as_musicxml_writes_a_lead_sheet_off_the_ui_thread(
    qtbot, make_window, generate_and_wait, tmp_path
):
    from music21 import converter, harmony

    window = make_window()
    window.panel.count.setValue(1)
    generate_and_wait(window)
    window.table.selectRow(0)
    entry = window.current_entry()
    path = tmp_path / "sheet.musicxml"
    with qtbot.waitSignal(window.worker.exported, timeout=60000) as saved:
        window.exports.save_musicxml(str(path))
    assert saved.args == [str(path)]
    # the window hears of it on its own thread, a moment after the worker says so
    qtbot.waitUntil(lambda: "Saved" in window.statusBar().currentMessage(), timeout=10000)
    melody = converter.parse(str(path)).parts[0].stripTies().flatten()
    assert [n.pitch.midi for n in melody.notes if n.isNote] == [
        n.pitch for n in sorted(entry.idea.melody, key=lambda n: n.onset)
    ]
    assert len(melody.getElementsByClass(harmony.ChordSymbol)) == len(entry.idea.chords)


def test_a_failed_musicxml_save_is_reported_on_the_gui_thread(
    qtbot, make_window, generate_and_wait, monkeypatch
):
    from PySide6.QtCore import QCoreApplication, QThread

    import songsketch.gui.exports as exports

    shown = []
    monkeypatch.setattr(
        exports.QMessageBox,
        "warning",
        staticmethod(lambda parent, title, text: shown.append((QThread.currentThread(), text))),
    )
    window = make_window()
    window.panel.count.setValue(1)
    generate_and_wait(window)
    window.table.selectRow(0)
    window.exports.save_musicxml("/proc/sheet.musicxml")  # a folder nobody may write
    qtbot.waitUntil(lambda: bool(shown), timeout=60000)
    thread, text = shown[0]
    assert thread is QCoreApplication.instance().thread() and "Could not save /proc/sheet.musicxml" in text
    assert "Could not save" in window.statusBar().currentMessage()


def test_export_idea_as_audio_writes_a_wav_off_the_ui_thread(qtbot, make_window, generate_and_wait, tmp_path):
    import wave

    from songsketch.engine.api import duration_seconds

    window = make_window()
    assert window.playback.sound.wait_for_font()
    window.panel.count.setValue(1)
    generate_and_wait(window)
    window.table.selectRow(0)
    idea = window.current_entry().idea
    path = tmp_path / "idea.wav"
    with qtbot.waitSignal(window.worker.exported, timeout=60000) as saved:
        window.exports.save_audio(str(path))
    assert saved.args == [str(path)]
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels()) == (44100, 2)
        seconds = w.getnframes() / 44100
    assert duration_seconds(idea) <= seconds < duration_seconds(idea) + 3
    assert "Export idea as audio (WAV)…" in [a.text() for a in window.menuBar().actions()[0].menu().actions()]
