"""The SoundFont synth, judged on the rendered buffers: a piano where notes sound, silence in
rests, the melody's pitches in the spectrum, seamless loops, streams equal to the whole,
clear refusals of bad files, and WAV files that read back right."""

import wave

import numpy as np
import pytest

from songsketch.engine.music.idea import Chord, Idea, Key, Note, Section
from songsketch.engine.playback import player, sound
from songsketch.engine.playback.performance import NoteEvent, Performance
from songsketch.engine.playback.soundfont import SoundFont, SoundFontError
from tests.helpers import sine_soundfont

RATE = sound.SAMPLE_RATE
DRY = sound.Instruments(room="dry")  # the synth alone (the room is tested on its own below)


@pytest.fixture(scope="module")
def font():
    return sound.open_font()  # the bundled one


def _idea():
    """Two bars of 4/4 at 60 bpm (a beat is a second; 12 ticks): a C chord and a four-note
    two-note melody in its first half, a rest to the last beat of bar 2, one last note."""
    melody = (Note(72, 0, 12, 95), Note(76, 12, 12, 95), Note(79, 84, 12, 95))
    return Idea(Key(0), 60, (4, 4), (Section("verse", 2),), (Chord(0, "", 0, 24, (48, 52, 55)),), melody)


def _rms(audio, start, end):
    part = audio[int(start * RATE) : int(end * RATE)]
    return float(np.sqrt(np.mean(part.astype(np.float64) ** 2)))


def _peak_hz(audio, start, end, low=80.0, high=4000.0):
    """The pitch heard in a stretch: the lowest spectral peak at least a quarter as strong as
    the strongest (a piano's second harmonic can outweigh its fundamental)."""
    part = audio[int(start * RATE) : int(end * RATE)].mean(axis=1)
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    freqs = np.fft.rfftfreq(len(part), 1 / RATE)
    band = np.nonzero((freqs >= low) & (freqs <= high))[0]
    strong = band[spectrum[band] >= 0.25 * spectrum[band].max()]
    first = strong[0]
    while first + 1 < len(spectrum) and spectrum[first + 1] > spectrum[first]:
        first += 1  # climb to the top of that peak
    return float(freqs[first])


def _hz(pitch):
    return 440.0 * 2 ** ((pitch - 69) / 12)


def test_the_bundled_font_plays_a_piano_by_default(font):
    assert "Piano" in font.preset(0).name
    assert {0, 4, 24, 48, 73, 89} <= set(font.programs())  # piano, EP, guitar, strings, flute, pad
    assert sound.Instruments() == sound.Instruments(chords=0, melody=0)


def test_sound_where_notes_are_silence_in_rests_and_the_right_length(font):
    idea = _idea()
    audio = sound.render_idea(idea, font, DRY)
    assert audio.shape[1] == 2 and audio.dtype == np.float32
    assert np.abs(audio).max() < 1.0
    # whole length: 8 s of idea, then the ring of the last note (a piano's release, under 2 s)
    assert 8 * RATE <= len(audio) < 10 * RATE
    in_room = sound.render_idea(idea, font)  # the default: a room, ringing on 1.3 s more
    assert len(in_room) == len(audio) + sound.Instruments().reverb().tail
    assert _rms(audio, 0.05, 1.9) > 0.01  # chord and melody
    assert _rms(audio, 4.5, 6.9) < 1e-4  # the rest, once the release of bar 1 has died away
    assert _rms(audio, 4.5, 6.9) < _rms(audio, 0.05, 1.9) / 1000
    assert _rms(audio, 7.05, 7.9) > 0.005  # the last note


def test_the_spectrum_peaks_at_each_melody_note(font):
    """Melody alone (no chords), one note a second: each second's strongest frequency is
    that note's fundamental."""
    pitches = (60, 64, 67, 72, 74, 77, 81)
    melody = tuple(Note(p, 12 * i, 12, 95) for i, p in enumerate(pitches))
    idea = Idea(Key(0), 60, (4, 4), (Section("verse", 2),), (), melody)
    audio = sound.render_idea(idea, font, DRY)
    for i, pitch in enumerate(pitches):
        found = _peak_hz(audio, i + 0.05, i + 0.9)
        assert abs(1200 * np.log2(found / _hz(pitch))) < 30, (pitch, found)


def test_a_melody_on_another_instrument_sounds_different_at_the_same_pitch(font):
    idea = _idea()
    piano = sound.render_idea(idea, font)
    flute = sound.render_idea(idea, font, sound.Instruments(melody=sound.program_number("flute")))
    assert font.preset(73).name == "Flute"
    frames = min(len(piano), len(flute))
    assert not np.allclose(piano[:frames], flute[:frames], atol=1e-3)
    # the last note, alone, is still a G (784 Hz) on the flute
    assert abs(_peak_hz(flute, 7.05, 7.9) - _hz(79)) < 10
    # a flute holds its note; a piano's dies away
    hold = _rms(flute, 7.7, 7.95) / _rms(flute, 7.05, 7.3)
    decay = _rms(piano, 7.7, 7.95) / _rms(piano, 7.05, 7.3)
    assert hold > decay


def test_streamed_windows_equal_the_whole_render(font):
    perf = sound.idea_performance(font, _idea())
    whole = perf.render_all()
    for start, count in ((0, 512), (44_000, 4096), (int(6.5 * RATE), 3000), (len(whole) - 100, 400)):
        window = perf.render(start, count)
        expected = np.zeros_like(window)
        part = whole[start : start + count]
        expected[: len(part)] = part
        np.testing.assert_allclose(window, expected, atol=1e-6)
    assert perf.frames == len(whole)


def test_the_loop_is_seamless_the_last_notes_ring_into_the_next_pass(font):
    idea = Idea(
        Key(0), 120, (4, 4), (Section("verse", 1),),
        (Chord(0, "", 0, 48, (48, 52, 55)),), (Note(72, 0, 24, 95), Note(79, 24, 24, 95)),
    )  # fmt: skip
    once = sound.idea_performance(font, idea).render_all()
    perf = sound.idea_performance(font, idea, loop=True)
    assert perf.frames is None
    period = perf.period
    assert period == 2 * RATE  # 4 beats at 120 bpm
    seam = perf.render(period - 2000, 4000)
    # the second pass begins as the first did, with the first pass's tail added
    tail = np.zeros((2000, 2), np.float32)
    tail[: max(0, min(2000, len(once) - period))] = once[period : period + 2000]
    np.testing.assert_allclose(seam[2000:], once[:2000] + tail, atol=1e-5)
    # no click: the step across the seam is no larger than steps within a pass
    steps = np.abs(np.diff(seam[:, 0]))
    assert steps[1995:2005].max() < 4 * np.abs(np.diff(once[:period, 0])).max()
    # turned off during pass 3, it ends after that pass and its ring
    perf.set_loop(False, position=2 * period + 10)
    assert perf.frames == 3 * period + (len(once) - period)


def test_a_soundfont_of_our_own_making_pitch_loop_velocity_and_release(tmp_path):
    """A .sf2 written byte by byte (a looped 0.1 s sine at A4): notes are transposed by
    resampling, loops sustain a note held longer than the sample, velocity is a 40 dB curve,
    and the release ends the sound."""
    font = SoundFont.load(sine_soundfont(tmp_path / "sine.sf2"))
    assert font.name == "Sine test" and font.programs() == [0]

    def play(pitch, velocity=127, seconds=1.0):
        return Performance(font, [NoteEvent(0.0, seconds, pitch, velocity)], seconds).render_all()

    a4, a5 = play(69), play(81)
    assert abs(_peak_hz(a4, 0.1, 0.9) - 440) < 3
    assert abs(_peak_hz(a5, 0.1, 0.9) - 880) < 3
    assert _rms(a4, 0.8, 0.95) == pytest.approx(_rms(a4, 0.02, 0.09), rel=0.02)  # looped: no decay
    soft = play(69, velocity=64)
    assert _rms(soft, 0.2, 0.8) / _rms(a4, 0.2, 0.8) == pytest.approx((64 / 127) ** 2, rel=0.02)
    assert len(a4) < 1.2 * RATE and _rms(a4, 1.06, len(a4) / RATE) < 0.01 * _rms(a4, 0.2, 0.8)
    unlooped = Performance(
        SoundFont.load(sine_soundfont(tmp_path / "once.sf2", looped=False)),
        [NoteEvent(0.0, 1.0, 69, 127)],
        1.0,
    ).render_all()
    assert _rms(unlooped, 0.02, 0.09) > 0.1 and _rms(unlooped, 0.2, 0.9) == 0.0


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "not a SoundFont"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt junk junk", "not a SoundFont"),
        (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0", "not a SoundFont"),
    ],
)
def test_a_bad_file_is_refused_with_its_name_and_reason(tmp_path, content, reason):
    path = tmp_path / "broken.sf2"
    path.write_bytes(content)
    with pytest.raises(SoundFontError, match=f"broken.sf2: {reason}"):
        sound.open_font(path)


def test_a_cut_short_or_missing_soundfont_is_refused(tmp_path):
    whole = sine_soundfont(tmp_path / "sine.sf2").read_bytes()
    cut = tmp_path / "cut.sf2"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(SoundFontError, match="cut.sf2: "):
        sound.open_font(cut)
    bundled = sound.open_font().path.read_bytes()
    damaged = tmp_path / "damaged.sf3"
    damaged.write_bytes(bundled[:200_000])
    with pytest.raises(SoundFontError, match="damaged.sf3: "):
        sound.open_font(damaged)
    with pytest.raises(SoundFontError, match="nowhere.sf2: cannot read it"):
        sound.open_font(tmp_path / "nowhere.sf2")


def test_wav_export_reads_back_with_the_right_rate_length_and_sound(tmp_path, font):
    idea = _idea()
    path = tmp_path / "idea.wav"
    seconds = sound.write_wav(idea, path, font, sound.Instruments(melody=sound.program_number("vibraphone")))
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (44100, 2, 2)
        frames = w.getnframes()
        pcm = np.frombuffer(w.readframes(frames), "<i2").reshape(-1, 2)
    assert frames == round(seconds * RATE)
    assert player.duration_seconds(idea) <= seconds < player.duration_seconds(idea) + 2.5
    audio = pcm.astype(np.float32) / 32767
    assert _rms(audio, 0.05, 1.9) > 0.01 and _rms(audio, 5.0, 6.9) < 1e-3
    assert not list(tmp_path.glob(".*tmp"))  # written atomically: no temporary left


def test_instrument_names_and_numbers():
    assert sound.program_number("piano") == 0
    assert sound.program_number("Flute") == 73
    assert sound.program_number("warm pad") == 89
    assert sound.program_number("48") == 48 and sound.program_number(5) == 5
    with pytest.raises(ValueError, match="kazoo"):
        sound.program_number("kazoo")
    with pytest.raises(ValueError, match="0-127"):
        sound.program_number(128)
    assert len(sound.GM_NAMES) == 128


def test_midi_ports_get_the_instruments_first():
    events = player.idea_events(_idea(), programs=(4, 73))
    changes = [e.message for e in events[:2]]
    assert [(m.type, m.channel, m.program) for m in changes] == [
        ("program_change", player.CHORD_CHANNEL, 4),
        ("program_change", player.MELODY_CHANNEL, 73),
    ]
    assert all(e.time == 0 for e in events[:2])


def test_the_fallback_synth_is_served_like_a_performance():
    idea = _idea()
    perf = sound.fallback_performance(idea)
    assert perf.frames == len(perf.audio)
    window = perf.render(0, 1000)
    assert window.shape == (1000, 2) and np.abs(window).max() > 0
    looping = sound.fallback_performance(idea, loop=True)
    np.testing.assert_allclose(looping.render(looping.period, 500), looping.render(0, 500))


def test_loud_peaks_are_rounded_off_not_clipped():
    ramp = np.linspace(-2.0, 2.0, 4001, dtype=np.float32)
    pcm = np.frombuffer(sound.to_pcm16(ramp), "<i2").astype(np.float32) / 32767
    assert np.all(np.diff(pcm) >= 0)  # still rising: no flat top
    at_one = pcm[np.argmin(np.abs(ramp - 1.0))]
    assert 0.95 < at_one < 0.99  # full scale in comes out rounded off, below full scale
    quiet = np.abs(ramp) <= sound.KNEE
    np.testing.assert_allclose(pcm[quiet], ramp[quiet], atol=1e-4)  # untouched below the knee


def _one_note(font, pitch=69, seconds=1.0):
    return Performance(font, [NoteEvent(0.0, seconds, pitch, 127)], seconds).render_all()


def test_what_fonts_get_wrong_is_read_as_players_read_it(tmp_path):
    """Sample offsets in a preset zone are ignored (the spec allows them only in instruments);
    a loop running past the sample's end is clamped, not dropped; absurd generator values are
    clamped to the spec's ranges (no crash, no hour-long release); an unpitched sample (255)
    sounds at middle C's rate."""
    plain = _one_note(SoundFont.load(sine_soundfont(tmp_path / "plain.sf2")))
    offset = _one_note(SoundFont.load(sine_soundfont(tmp_path / "offset.sf2", preset_gens=[(0, 3000)])))
    np.testing.assert_allclose(offset, plain, atol=1e-6)
    past_end = SoundFont.load(sine_soundfont(tmp_path / "past.sf2", loop_end=4400 + 5))
    sustained = _one_note(past_end)
    assert _rms(sustained, 0.8, 0.95) > 0.5 * _rms(sustained, 0.02, 0.09)  # still looping at 0.9 s
    absurd = SoundFont.load(
        sine_soundfont(
            tmp_path / "absurd.sf2", inst_gens=[(51, 32767), (56, -32768), (38, 32767), (40, 32767)]
        )
    )
    perf = Performance(absurd, [NoteEvent(0.0, 0.5, 60, 100)], 0.5)
    assert perf.frames < 120 * RATE  # a release of at most 8000 timecents (101 s), not days
    assert np.isfinite(perf.render(0, 4410)).all()
    unpitched = SoundFont.load(sine_soundfont(tmp_path / "unpitched.sf2", pitch=255))
    assert abs(_peak_hz(_one_note(unpitched, pitch=60), 0.1, 0.9) - 440) < 3


def test_a_font_changed_on_disk_after_loading_is_refused_not_a_crash(tmp_path):
    path = sine_soundfont(tmp_path / "sine.sf2", seconds=1.0)
    font = SoundFont.load(path)
    path.write_bytes(path.read_bytes()[:20000])  # overwritten in place by a shorter file
    with pytest.raises(SoundFontError, match="sine.sf2: the file was cut short"):
        _one_note(font)


def test_a_damaged_sample_in_an_sf3_is_named_when_it_is_played(tmp_path, font):
    data = bytearray(font.path.read_bytes())
    at = data.index(b"OggS", data.index(b"OggS") + 1)  # the second sample's Ogg stream
    data[at : at + 64] = bytes(64)
    damaged = tmp_path / "damaged.sf3"
    damaged.write_bytes(bytes(data))
    broken = SoundFont.load(damaged)  # the tables are fine: samples decode when played
    with pytest.raises(SoundFontError, match=r"damaged.sf3: its sample '.+' cannot be decoded"):
        broken.warm(broken.programs())


def test_the_bundled_font_follows_the_spec_where_other_players_insist(font):
    """INFO strings zero-terminated and of even size (FluidSynth refuses the font otherwise:
    a user may load it in MuseScore or a DAW); every sample an Ogg Vorbis stream."""
    from songsketch.engine.playback.sf2 import chunks

    raw = font.path.read_bytes()
    info_at = raw.index(b"LIST", 12)
    size = int.from_bytes(raw[info_at + 4 : info_at + 8], "little")
    assert raw[info_at + 8 : info_at + 12] == b"INFO"
    strings = [(cid, raw[o : o + n]) for cid, o, n in chunks(raw, info_at + 12, info_at + 8 + size)]
    assert {cid for cid, _ in strings} >= {b"ifil", b"INAM", b"ICOP"}
    for cid, body in strings:
        if cid != b"ifil":
            assert len(body) % 2 == 0 and body.endswith(b"\0"), cid
    assert raw.count(b"OggS") >= 326
