"""The sound row: instruments, volume and room; the user's own SoundFont, remembered; no
SoundFont at all."""

import pytest

pytest.importorskip("PySide6.QtWidgets")
from PySide6.QtCore import QSettings


def _spectrum_peak(audio):
    import numpy as np

    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    return float(np.fft.rfftfreq(len(mono), 1 / 44100)[spectrum.argmax()])


def test_switch_instruments_and_sound_a_clicked_note_with_its_part(
    qtbot, make_window, generate_and_wait, tmp_path
):
    """The melody can be a flute: the performance's melody notes are program 73, the chords
    stay piano; a click on a melody note on the piano roll sounds the flute; the choice and
    the volume are remembered."""
    from songsketch.engine.playback import sound

    home = tmp_path / "sound-home"
    window = make_window(home)
    playback = window.playback
    assert playback.sound.wait_for_font()
    playback.sound.melody_instrument.setCurrentIndex(playback.sound.melody_instrument.findData(73))
    playback.sound.volume.setValue(55)
    assert playback.sound.room.currentData() == "studio"  # a little reverb by default
    playback.sound.room.setCurrentIndex(playback.sound.room.findData("hall"))
    assert playback.sound.instruments() == sound.Instruments(chords=0, melody=73, volume=0.55, room="hall")
    window.panel.count.setValue(1)
    generate_and_wait(window)
    idea = window.ideas.entries[0].idea
    notes = sound.idea_notes(idea, playback.sound.instruments())
    assert {n.program for n in notes[: sum(len(c.voicing) for c in idea.chords)]} == {0}
    assert {n.program for n in notes[-len(idea.melody) :]} == {73}
    pressed = []
    window.roll.notePressed.connect(lambda pitch, part: pressed.append((pitch, part)))
    flute = playback.note_sound(79, "melody").render_all()
    piano = playback.note_sound(79, "chords").render_all()
    assert abs(_spectrum_peak(flute[2000:15000]) - 784) < 15
    assert len(flute) != len(piano) or not (flute == piano).all()
    window.close()
    again = make_window(home)
    assert again.playback.sound.wait_for_font()
    assert again.playback.sound.programs() == (0, 73) and again.playback.sound.volume.value() == 55
    assert again.playback.sound.room.currentData() == "hall"


def test_a_soundfont_of_your_own_is_loaded_and_remembered_a_bad_one_refused(qtbot, make_window, tmp_path):
    from tests.helpers import sine_soundfont

    home = tmp_path / "font-home"
    window = make_window(home)
    playback = window.playback
    assert playback.sound.wait_for_font()
    playback.sound.melody_instrument.setCurrentIndex(playback.sound.melody_instrument.findData(73))  # flute
    mine = sine_soundfont(tmp_path / "mine.sf2")
    playback.sound.load_font(str(mine))
    assert playback.sound.wait_for_font()
    assert playback.sound.font.name == "Sine test" and playback.sound.font_path == str(mine)
    assert playback.sound.builtin_font_action.isEnabled()
    # a font of one instrument lists it by its own name; the flute it lacks stays wanted
    melody = playback.sound.melody_instrument
    assert [melody.itemData(i) for i in range(melody.count())] == [0]
    assert playback.sound.melody_instrument.currentText() == "Sine" and playback.sound.programs() == (0, 0)
    playback.sound.volume.setValue(60)
    playback.sound.builtin_font_action.trigger()
    assert playback.sound.wait_for_font() and playback.sound.programs() == (0, 73)
    playback.sound.load_font(str(mine))
    assert playback.sound.wait_for_font()
    # a broken file: said in the status bar, the font in use stays
    broken = tmp_path / "broken.sf2"
    broken.write_bytes(b"RIFF\x04\x00\x00\x00junk")
    messages = []
    playback.message.connect(messages.append)
    playback.sound.load_font(str(broken))
    assert playback.sound.wait_for_font()
    assert playback.sound.font.name == "Sine test"
    assert any("broken.sf2: not a SoundFont" in m and "keeping Sine test" in m for m in messages)
    window.close()
    # remembered; and when it has gone, the next start says so and takes the built-in one
    again = make_window(home)
    assert again.playback.sound.wait_for_font() and again.playback.sound.font.name == "Sine test"
    again.close()
    mine.unlink()
    messages.clear()
    third = make_window(home)
    third.playback.message.connect(messages.append)
    qtbot.waitUntil(lambda: third.playback.sound.font is not None, timeout=30000)
    assert "FluidR3" in third.playback.sound.font.name and third.playback.sound.font_path == ""
    third.close()  # the choice is still remembered (the file may be on a drive not plugged in)
    assert QSettings(str(home / "settings.ini"), QSettings.IniFormat).value("sound/font") == str(mine)


def test_without_any_soundfont_the_synth_falls_back_and_says_why(
    qtbot, make_window, generate_and_wait, tmp_path, monkeypatch
):
    from songsketch.engine.playback import sound

    bad = tmp_path / "gone.sf3"
    monkeypatch.setattr(sound, "default_soundfont", lambda: bad)
    window = make_window()
    playback = window.playback
    assert playback.sound.wait_for_font()
    assert playback.sound.font is None and "gone.sf3: cannot read it" in playback.sound.font_problem
    assert "plain tone" in playback.sound.font_button.text()
    if playback.synth.available:
        assert "no SoundFont (gone.sf3" in playback.output_status.text()
    assert not playback.sound.melody_instrument.isEnabled()
    window.panel.count.setValue(1)
    generate_and_wait(window)
    assert isinstance(playback._performance(window.ideas.entries[0].idea, False), sound.Rendered)


def _label_ink_columns(combo) -> set[int]:
    """The columns of ``combo`` where its shown text has ink: its picture against the same
    combo with the current item's text emptied."""
    index = combo.currentIndex()
    text = combo.itemText(index)
    shown = combo.grab().toImage()
    combo.setItemText(index, "")
    blank = combo.grab().toImage()
    combo.setItemText(index, text)
    height = shown.height()
    return {x for x in range(shown.width()) for y in range(height) if shown.pixel(x, y) != blank.pixel(x, y)}


def test_an_instrument_combo_fits_its_longest_name_and_narrower_loses_the_middle_not_the_end(qtbot):
    """With room, the combo is as wide as its longest instrument's name; squeezed, the name loses
    its middle ("Acous…Piano") and its last letter is never cut by the arrow ("Acoust… Pianc")."""
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    from songsketch.gui.sound_row import BUILT_IN, SoundRow

    row = SoundRow()
    qtbot.addWidget(row)
    row.load_font(BUILT_IN, chosen=False)
    assert row.wait_for_font()
    combo = row.melody_instrument
    metrics = combo.fontMetrics()
    names = [combo.itemText(i) for i in range(combo.count())]
    longest = max(names, key=metrics.horizontalAdvance)
    combo.setCurrentIndex(names.index(longest))
    combo.show()

    def field() -> "QRect":  # noqa: F821
        option = QStyleOptionComboBox()
        combo.initStyleOption(option)
        return combo.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
        )

    combo.setFixedWidth(combo.sizeHint().width())
    assert field().width() >= metrics.horizontalAdvance(longest) + 2  # whole, inside the style's inset
    assert combo.sizeHint().width() < 240 and combo.minimumSizeHint().width() <= 120
    for width in range(combo.minimumSizeHint().width(), combo.sizeHint().width() + 1, 2):
        combo.setFixedWidth(width)
        ink = _label_ink_columns(combo)
        assert ink and max(ink) < field().right() - 1, width  # a column clear before the arrow
