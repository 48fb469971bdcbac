"""A sung phrase, rendered by bench/voice.py's formant synth and written to a real sound file,
comes back as the melody sung; what is not singing is refused in words.

The first test in a process pays for librosa's numba kernels (a few seconds; cached on disk).
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from bench.voice import Voice, sing
from songsketch.engine.api import MAX_SUNG_SECONDS, hear_singing, read_audio

PHRASE = [(60, 0.5), (62, 0.5), (64, 0.5), (64, 0.5), (65, 0.25), (67, 0.75), (72, 1.0)]


def timed(phrase, beat: float = 0.5, start: float = 0.3, held: float = 0.95):
    """(onset s, offset s, pitch) of (pitch, beats) notes sung at ``beat`` seconds a beat,
    each held for ``held`` of its length."""
    notes, t = [], start
    for pitch, beats in phrase:
        notes.append((t, t + beats * beat * held, pitch))
        t += beats * beat
    return notes


def written(tmp_path, samples, rate, name="hum.wav", channels=1):
    path = tmp_path / name
    data = np.stack([samples] * channels, axis=1) if channels > 1 else samples
    soundfile.write(path, data, rate)
    return path


def heard(path):
    samples, rate = read_audio(path)
    analysis = hear_singing(samples, rate, name="hum")
    assert len(analysis.ideas) == 1
    return analysis.ideas[0], analysis.remarks


def test_a_sung_phrase_comes_back_as_its_notes(tmp_path):
    audio = sing(timed(PHRASE), 22050, Voice(detune_cents=20), snr_db=25, seed=1)
    idea, remarks = heard(written(tmp_path, audio, 22050))
    assert idea.name == "hum" and idea.chords == ()
    assert [n.pitch for n in idea.melody] == [p for p, _ in PHRASE]
    lengths = np.diff([n.onset for n in idea.melody])
    assert np.allclose(lengths / lengths[0], [b / PHRASE[0][1] for _, b in PHRASE[:-1]])
    assert (idea.key.tonic, idea.key.mode) == (0, "major")
    assert any("20 cents sharp" in r or "sharp" in r for r in remarks)


def test_vibrato_and_a_repeated_note(tmp_path):
    long_notes = [(67, 2.0), (67, 2.0), (65, 2.0), (64, 2.0)]
    audio = sing(timed(long_notes), 16000, Voice(vibrato_cents=30, scoop_share=1.0), seed=2)
    idea, _ = heard(written(tmp_path, audio, 16000, "held.flac"))
    assert [n.pitch for n in idea.melody] == [67, 67, 65, 64]


def test_glides_between_legato_notes_are_not_notes(tmp_path):
    legato = [(60, 1.0), (64, 0.5), (67, 0.5), (72, 1.0), (67, 0.5), (64, 0.5), (60, 1.0)]
    audio = sing(timed(legato, held=1.0), 22050, Voice(glide_share=1.0, scoop_seconds=0.05), seed=7)
    idea, _ = heard(written(tmp_path, audio, 22050, "glides.ogg"))
    assert [n.pitch for n in idea.melody] == [p for p, _ in legato]


def test_a_sampled_voice_with_a_wobble_in_its_attacks():
    """The SoundFont's 'Voice Oohs' dips 10 dB within each attack: not a repeated note (each
    came back twice). Its notes ring on under the next, so a note it repeats is not split
    yet: the phrase has none."""
    from songsketch.engine.api import SAMPLE_RATE, open_font, program_number
    from songsketch.engine.playback.performance import NoteEvent, Performance

    tune = [(60 + i % 5, 1.0) for i in range(15)]
    oohs = program_number("voice oohs")
    events = [NoteEvent(a, b - a, p, 90, oohs) for a, b, p in timed(tune, beat=0.5, held=0.9)]
    audio = Performance(open_font(), events, 8.0, gain=1.0).render_all()
    (idea,) = hear_singing(audio, SAMPLE_RATE).ideas
    assert [n.pitch for n in idea.melody] == [p for p, _ in tune]


def test_a_low_male_hum_in_stereo_and_a_phone_at_8_khz(tmp_path):
    low = [(p - 19, b) for p, b in PHRASE]
    audio = sing(timed(low), 44100, Voice(vowels="m"), seed=3)
    idea, _ = heard(written(tmp_path, audio, 44100, "stereo.wav", channels=2))
    assert [n.pitch % 12 for n in idea.melody] == [p % 12 for p, _ in low]
    audio = sing(timed(PHRASE), 8000, seed=4)
    idea, _ = heard(written(tmp_path, audio, 8000, "phone.wav"))
    assert [n.pitch for n in idea.melody] == [p for p, _ in PHRASE]


def test_a_microphone_buffer_of_16_bit_frames_by_channels():
    audio = sing(timed(PHRASE), 16000, seed=8)
    frames = np.stack([audio, audio], axis=1)
    pcm = (frames * 32767).astype(np.int16)
    (idea,) = hear_singing(pcm, 16000, name="sung 14.05.31").ideas
    assert idea.name == "sung 14.05.31" and [n.pitch for n in idea.melody] == [p for p, _ in PHRASE]


@pytest.mark.parametrize(
    "samples, words",
    [
        (np.zeros(22050 * 2, np.float32), "silent"),
        (np.random.default_rng(0).uniform(-0.5, 0.5, 22050 * 2).astype(np.float32), "no sung pitch"),
        (sing(timed([(60, 0.5)]), 22050)[: 22050 // 2], "too short"),
    ],
)
def test_what_is_not_singing_is_refused_in_words(samples, words):
    with pytest.raises(ValueError, match=words):
        hear_singing(samples, 22050)


def test_a_clipped_recording_is_heard_with_a_warning():
    loud = np.clip(sing(timed(PHRASE), 22050, seed=6) * 4, -1.0, 1.0)
    analysis = hear_singing(loud, 22050)
    assert [n.pitch for n in analysis.ideas[0].melody] == [p for p, _ in PHRASE]
    assert any("clipped" in r for r in analysis.remarks)


def test_two_voices_at_once_are_refused():
    tune = sing(timed(PHRASE), 22050, seed=1)
    other = sing(timed(list(reversed(PHRASE))), 22050, seed=3)[: len(tune)]
    with pytest.raises(ValueError, match="more than one voice"):
        hear_singing((tune + np.pad(other, (0, len(tune) - len(other)))) / 2, 22050)


def test_too_long_and_unreadable_files_are_refused(tmp_path):
    path = tmp_path / "rehearsal.wav"
    soundfile.write(path, np.zeros(int(8000 * (MAX_SUNG_SECONDS + 5)), np.int16), 8000)
    with pytest.raises(ValueError, match="10 minutes"):
        read_audio(path)
    with pytest.raises(ValueError, match="10 minutes"):
        hear_singing(np.zeros(int(8000 * (MAX_SUNG_SECONDS + 5)), np.float32), 8000)
    (tmp_path / "notes.txt").write_text("la la la")
    with pytest.raises(ValueError, match="cannot read"):
        read_audio(tmp_path / "notes.txt")
