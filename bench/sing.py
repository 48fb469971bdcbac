"""How well a sung melody is heard: held-out songs' melodies sung by a synthetic voice.

    python -m bench.sing [--model FOLDER] [--songs 24] [--snr 20] [--seed 1]

The first 8-bar idea of each held-out pop song of the model (its card's validation songs,
``../shared/corpora/pop909``) is sung by ``bench/voice.py``'s formant voice: vibrato of
+-30 cents, scoops of up to 1.5 semitones into half the notes and glides from the note
before into 30% of the notes sung legato (time constants of 20-50 ms), the singer up to 25
cents off concert pitch, the tempo drifting +-6% over the phrase with 10 ms of timing
jitter; every 4th phrase is moved to a low male range (median pitch ~ D3), every 4th to a
high female range (~ E5). Each is heard clean and with breath noise at ``--snr`` dB, and
scored with ``mir_eval.transcription`` (onset within 50 ms, pitch within 50 cents, offsets
ignored): note precision, recall and F1.
After the notes are put on the grid (the idea the app makes), the notes matched by onset
are checked for the right pitch and the right note value (the written length, in beats of
the song; a tempo heard at half or double the song's is scaled first). The same figures
are given for the unprocessed pitch track (a note wherever the rounded pitch changes), so
what the segmentation adds is visible. Speed: CPU seconds of work (pitch track, notes,
grid) per second sung (CPU time, as other work shares this machine's two cores).
``--soundfont`` also sings the phrases on the bundled SoundFont's "Voice Oohs", a voice the
segmentation was not tuned on.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from dataclasses import dataclass, replace

import numpy as np

from bench.held_out import pop_songs
from bench.voice import Voice, sing
from songsketch.engine.api import MELODY_RANGE, TICKS_PER_BEAT
from songsketch.engine.audio.notes import SungNote, frame_notes, segment_notes
from songsketch.engine.audio.pitch import track_pitch
from songsketch.engine.audio.singing import performance_events
from songsketch.engine.audio.tempo import sung_beat
from songsketch.engine.playback.recorder import recorded_idea

RATE = 22050
BARS = 8
RANGES = ("middle", "low male", "middle", "high female")
RANGE_MEDIAN = {"low male": 50, "high female": 76}


@dataclass(frozen=True)
class Phrase:
    """A melody as sung: notes (onset s, offset s, MIDI), their written lengths and onsets
    (beats), the voice's range."""

    notes: list[tuple[float, float, int]]
    lengths: list[float]
    beats: list[float]
    voice: Voice
    range: str


def sung_phrase(idea, k: int, rng: np.random.Generator) -> Phrase:
    """The idea's melody sung with a drifting tempo, moved to the k-th phrase's range."""
    melody = sorted(idea.melody, key=lambda n: n.onset)
    first = melody[0].onset - melody[0].onset % idea.bar_ticks
    melody = [replace(n, onset=n.onset - first) for n in melody if n.onset - first < BARS * idea.bar_ticks]
    where = RANGES[k % len(RANGES)]
    shift = 0
    if where in RANGE_MEDIAN:
        shift = RANGE_MEDIAN[where] - int(np.median([n.pitch for n in melody]))
    beat = 60.0 / idea.tempo
    grid = np.linspace(0, melody[-1].onset / TICKS_PER_BEAT + 8, 4000)
    drift = 1 + 0.06 * np.sin(2 * np.pi * grid / 16 + rng.uniform(0, 2 * np.pi))
    clock = np.concatenate([[0.0], np.cumsum(np.diff(grid) * beat * drift[1:])])

    def seconds(beats: float) -> float:
        return 0.3 + float(np.interp(beats, grid, clock))

    notes = []
    for n in melody:
        on, off = n.onset / TICKS_PER_BEAT, n.end / TICKS_PER_BEAT
        jitter = rng.normal(0, 0.01)
        notes.append((seconds(on) + jitter, seconds(off) + jitter, n.pitch + shift))
    voice = Voice(
        vibrato_hz=rng.uniform(5.0, 6.5),
        scoop_seconds=rng.uniform(0.02, 0.05),
        glide_share=0.3,
        detune_cents=rng.uniform(-25, 25),
        vowels="m" if where == "low male" and k % 8 == 1 else "aoeum",
    )
    lengths = [n.duration / TICKS_PER_BEAT for n in melody]
    return Phrase(notes, lengths, [n.onset / TICKS_PER_BEAT for n in melody], voice, where)


def note_scores(phrase: Phrase, heard: list[SungNote]) -> tuple[float, float, float]:
    """Precision, recall, F1 of the notes heard (onset 50 ms, pitch 50 cents, no offsets)."""
    from mir_eval.transcription import precision_recall_f1_overlap

    ref_i, ref_p = _arrays([(a, b, p) for a, b, p in phrase.notes])
    if not heard:
        return 0.0, 0.0, 0.0
    est_i, est_p = _arrays([(n.onset, n.offset, n.pitch) for n in heard])
    p, r, f, _ = precision_recall_f1_overlap(
        ref_i, ref_p, est_i, est_p, onset_tolerance=0.05, pitch_tolerance=50.0, offset_ratio=None
    )
    return p, r, f


def _arrays(notes) -> tuple[np.ndarray, np.ndarray]:
    intervals = np.array([(a, max(b, a + 0.01)) for a, b, _ in notes])
    return intervals, 440.0 * 2 ** ((np.array([p for *_, p in notes]) - 69) / 12)


def _fold(pitch: int) -> int:
    lo, hi = MELODY_RANGE
    while pitch < lo:
        pitch += 12
    while pitch > hi:
        pitch -= 12
    return pitch


def grid_scores(phrase: Phrase, heard: list[SungNote]) -> tuple[list[bool], list[bool], float]:
    """On the grid: for each reference note matched by onset (50 ms), whether the idea's note
    has its pitch (folded into the melody range as ideas are) and its written length; and
    the song's beats per beat heard (1: its own tempo, 0.5: heard at double; 0: no idea)."""
    from mir_eval.transcription import match_notes

    try:
        idea = recorded_idea(performance_events(heard), sung_beat([n.onset for n in heard])).ideas[0]
    except ValueError:
        return [], [], 0.0
    ref_i, ref_p = _arrays(phrase.notes)
    est_i, est_p = _arrays([(n.onset, n.offset, n.pitch) for n in heard])
    pairs = match_notes(
        ref_i, ref_p, est_i, est_p, onset_tolerance=0.05, pitch_tolerance=1e6, offset_ratio=None
    )
    placed = _placed(heard, sorted(idea.melody, key=lambda n: n.onset))
    pairs = [(r, placed[e]) for r, e in pairs if e in placed]
    factor = _tempo_factor(phrase, pairs)
    pitch_ok = [g.pitch == _fold(phrase.notes[r][2]) for r, g in pairs]
    value_ok = [abs(g.duration / TICKS_PER_BEAT * factor - phrase.lengths[r]) < 1e-6 for r, g in pairs]
    return pitch_ok, value_ok, factor


def _placed(heard: list[SungNote], melody) -> dict:
    """Index of each note heard -> the idea's note it became (in order, by pitch class)."""
    a = [n.pitch % 12 for n in heard]
    b = [n.pitch % 12 for n in melody]
    out = {}
    for block in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            out[block.a + k] = melody[block.b + k]
    return out


def _tempo_factor(phrase: Phrase, pairs) -> float:
    """Song beats per idea beat (1, or 0.5 / 2 when the tempo was heard at double / half)."""
    if len(pairs) < 2:
        return 1.0
    song = phrase.beats[pairs[-1][0]] - phrase.beats[pairs[0][0]]
    idea = (pairs[-1][1].onset - pairs[0][1].onset) / TICKS_PER_BEAT
    if idea <= 0:
        return 1.0
    return min((0.5, 1.0, 2.0, 1 / 3, 3.0), key=lambda f: abs(np.log(song / idea / f)))


def synth_voice(snr: float | None, seed: int):
    """The k-th phrase sung by bench/voice.py: (samples, rate)."""
    return lambda k, phrase: (sing(phrase.notes, RATE, phrase.voice, snr_db=snr, seed=seed + k), RATE)


def soundfont_voice(program: str = "voice oohs"):
    """The phrase on the bundled SoundFont's sampled voice (its own attack and loop, none of
    bench/voice.py's vibrato, scoops or glides; the drifting timing kept): (samples, rate)."""
    from songsketch.engine.api import SAMPLE_RATE, open_font, program_number
    from songsketch.engine.playback.performance import NoteEvent, Performance

    font, number = open_font(), program_number(program)

    def render(_k: int, phrase: Phrase) -> tuple[np.ndarray, int]:
        notes = [NoteEvent(a, b - a, p, 90, number) for a, b, p in phrase.notes]
        audio = Performance(font, notes, phrase.notes[-1][1] + 0.3, gain=1.0).render_all()
        return audio.mean(axis=1).astype(np.float32), SAMPLE_RATE

    return render


def measure(phrases: list[Phrase], voice) -> dict[str, dict[str, list]]:
    """Per way of reading the track ('segmented', 'frame-wise') of the phrases sung by
    ``voice``: F1s, pitch and value hits, tempo hits, and the seconds of work and of audio."""
    rows = {
        w: {"f1": [], "p": [], "r": [], "pitch": [], "value": [], "tempo": [], "work": []}
        for w in ("segmented", "frame-wise")
    }
    audio = 0.0
    for k, phrase in enumerate(phrases):
        x, rate = voice(k, phrase)
        audio += len(x) / rate
        t0 = time.process_time()
        track = track_pitch(x, rate)
        t_track = time.process_time() - t0
        for way, read in (("segmented", lambda t: segment_notes(t)[0]), ("frame-wise", frame_notes)):
            t1 = time.process_time()
            heard = read(track)
            work = t_track + time.process_time() - t1
            p, r, f = note_scores(phrase, heard)
            t2 = time.process_time()
            pitch_ok, value_ok, tempo_ok = grid_scores(phrase, heard)
            row = rows[way]
            row["work"].append(work + time.process_time() - t2)
            row["p"].append(p), row["r"].append(r), row["f1"].append(f)
            row["pitch"] += pitch_ok
            row["value"] += value_ok
            row["tempo"].append(tempo_ok)
    for row in rows.values():
        row["audio"] = [audio]
    return rows


def print_table(clean: dict, noisy: dict, snr: float, font: dict | None) -> None:
    heads = (
        "F1 clean",
        f"F1 {snr:.0f} dB",
        "P/R clean",
        "pitch clean",
        "pitch noisy",
        "value clean",
        "value noisy",
        "CPU x real",
    )
    print(f"{'':24s}" + "".join(f"{h:>13s}" for h in heads))
    for way in ("segmented", "frame-wise"):
        c, n = clean[way], noisy[way]
        cells = [
            f"{np.mean(c['f1']):.3f}",
            f"{np.mean(n['f1']):.3f}",
            f"{np.mean(c['p']):.2f}/{np.mean(c['r']):.2f}",
            f"{np.mean(c['pitch']):.1%}",
            f"{np.mean(n['pitch']):.1%}",
            f"{np.mean(c['value']):.1%}",
            f"{np.mean(n['value']):.1%}",
            f"{(sum(c['work']) + sum(n['work'])) / (c['audio'][0] + n['audio'][0]):.3f}",
        ]
        print(f"{way:24s}" + "".join(f"{x:>13s}" for x in cells))
    if font:
        print("\nthe SoundFont's sampled voice (Voice Oohs), clean:")
        for way, row in font.items():
            p, r, f1 = (np.mean(row[k]) for k in ("p", "r", "f1"))
            pitch, value = np.mean(row["pitch"]), np.mean(row["value"])
            print(f"{way:24s} F1 {f1:.3f} (P/R {p:.2f}/{r:.2f}), pitch {pitch:.1%}, value {value:.1%}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sing")
    parser.add_argument("--model", default=None)
    parser.add_argument("--songs", type=int, default=24, help="held-out songs to sing (0 = all)")
    parser.add_argument("--snr", type=float, default=20.0, help="breath noise, dB below the voice")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--soundfont", action="store_true", help="also the SoundFont's sampled voice")
    args = parser.parse_args(argv)
    found = pop_songs(args.model)
    if found is None:
        return 0
    _model, songs, _every = found
    ideas = [next((i for i in s.ideas if len(i.melody) >= 12 and i.bars >= BARS), None) for s in songs]
    ideas = [i for i in ideas if i is not None][: args.songs or None]
    rng = np.random.default_rng(args.seed)
    phrases = [sung_phrase(idea, k, rng) for k, idea in enumerate(ideas)]
    seconds, count = sum(p.notes[-1][1] for p in phrases), sum(len(p.notes) for p in phrases)
    print(f"{len(phrases)} phrases of held-out songs, {seconds:.0f} s sung, {count} notes")
    clean = measure(phrases, synth_voice(None, args.seed))
    noisy = measure(phrases, synth_voice(args.snr, args.seed))
    font = measure(phrases, soundfont_voice()) if args.soundfont else None
    print_table(clean, noisy, args.snr, font)
    heard = np.array(clean["segmented"]["tempo"])
    own, double = np.mean(heard == 1.0), np.mean((heard == 0.5) | (heard == 2.0))
    print(f"\ntempo heard (clean): the song's own in {own:.0%} of phrases, half or double in {double:.0%}")
    for where in dict.fromkeys(RANGES):
        f1 = [f for f, p in zip(clean["segmented"]["f1"], phrases) if p.range == where]
        f1n = [f for f, p in zip(noisy["segmented"]["f1"], phrases) if p.range == where]
        print(f"F1 {where:12s} clean {np.mean(f1):.3f}  noisy {np.mean(f1n):.3f}  ({len(f1)} phrases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
