"""From a raw score to ideas: the parts, the meter, then per stretch of meter the chords, key and sections."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ...music.idea import (
    MAX_DURATION,
    MELODY_RANGE,
    METERS,
    TEMPO_RANGE,
    Idea,
    Note,
    bar_ticks,
    quantize_velocity,
)
from .harmony import beat_chords, block_chords, is_block_chords
from .key import detect_key
from .melody import monophonic_line, split_melody
from .meter import meter_segments, settle_meter, settle_tune_meter
from .raw import AnalysisError, RawNote, RawScore
from .sections import cut_at_section_ends, derive_sections

MAX_GAP_BARS = 16


@dataclass(frozen=True)
class Analysis:
    """What was heard in a file: its ideas, and remarks on what had to be assumed (a meter
    the file did not say, a key other than its signature, times read off the grid). A file of
    one line (a tune played or sung alone) gives melody-only ideas: no chords."""

    ideas: tuple[Idea, ...]
    remarks: tuple[str, ...] = ()


def score_to_ideas(score: RawScore) -> list[Idea]:
    """Ideas (one per stretch of constant, supported meter) from a raw score.

    Raises AnalysisError when nothing usable is left (no notes, no accompaniment...).
    """
    return list(analyse(score).ideas)


def analyse(score: RawScore) -> Analysis:
    """The ideas of a raw score and what was assumed to hear them. Raises AnalysisError."""
    remarks = [score.timing] if score.timing else []
    score, melody, accomp, remark = _parts_on_bars(score)
    alone = not accomp  # a melody with nothing under it
    if remark:
        remarks.append(remark)
    end = max(n.end for n in score.notes)
    tempo = int(round(min(max(score.tempo, TEMPO_RANGE[0]), TEMPO_RANGE[1])))
    ideas = []
    skipped_meters = set()
    for seg_start, seg_end, meter in meter_segments(score, end):
        if meter not in METERS:
            skipped_meters.add(f"{meter[0]}/{meter[1]}")
            continue
        stretch = _stretch_notes(melody, accomp, seg_start, seg_end, bar_ticks(meter), alone)
        if stretch is None:
            continue
        file_end = score.end if seg_end == end else 0
        idea, remark = _stretch_idea(score, *stretch, meter, (seg_start, seg_end), file_end, tempo)
        if remark and remark not in remarks:
            remarks.append(remark)
        ideas.append(idea)
    if not ideas:
        if skipped_meters:
            raise AnalysisError(f"unsupported meter {', '.join(sorted(skipped_meters))}")
        raise AnalysisError("no stretch with both melody and accompaniment")
    return Analysis(tuple(ideas), tuple(remarks))


def _parts_on_bars(score: RawScore) -> tuple[RawScore, list[RawNote], list[RawNote], str]:
    """The score on the bar lines a musician would hear (notes of no length left out), its
    melody, one note at a time, its accompaniment, and the remark on the meter assumed."""
    notes = [n for n in score.notes if n.duration > 0]
    if not notes:
        raise AnalysisError("no notes")
    melody, accomp = split_melody(replace(score, notes=notes))
    if accomp:
        score, remark = settle_meter(replace(score, notes=notes), accomp)
    else:
        score, remark = settle_tune_meter(replace(score, notes=notes))
    if score.notes is not notes:  # moved onto new bar lines: split again
        melody, accomp = split_melody(score)
    return score, monophonic_line(melody), accomp, remark


def _stretch_notes(
    melody: list[RawNote], accomp: list[RawNote], seg_start: int, seg_end: int, bar: int, alone: bool
) -> tuple[list[RawNote], list[RawNote]] | None:
    """The melody and accompaniment starting in a stretch, timed from its start (the
    accompaniment cut at its end), up to a silence of more than MAX_GAP_BARS (stray events
    far past the music); None when either is empty (the melody, for a melody ``alone``)."""
    mel = [
        RawNote(n.pitch, n.onset - seg_start, n.duration, n.velocity, n.part, n.channel)
        for n in melody
        if seg_start <= n.onset < seg_end
    ]
    acc = [
        RawNote(n.pitch, n.onset - seg_start, min(n.end, seg_end) - n.onset, n.velocity, n.part, n.channel)
        for n in accomp
        if seg_start <= n.onset < seg_end
    ]
    if not mel or not (acc or alone):
        return None
    reach, cut_at = 0, None
    for n in sorted(mel + acc, key=lambda n: n.onset):
        if reach and n.onset - reach > MAX_GAP_BARS * bar:
            cut_at = n.onset
            break
        reach = max(reach, n.end)
    if cut_at is not None:
        mel = [n for n in mel if n.onset < cut_at]
        acc = [n for n in acc if n.onset < cut_at]
    return mel, acc


def _stretch_idea(
    score: RawScore,
    mel: list[RawNote],
    acc: list[RawNote],
    meter: tuple[int, int],
    span: tuple[int, int],
    file_end: int,
    tempo: int,
) -> tuple[Idea, str]:
    """The idea of the stretch of constant meter ``span`` (start, end ticks in the score), and
    a remark on its key ('' when none). ``file_end``: where the file says the piece ends when
    this is its last stretch, else 0."""
    seg_start, seg_end = span
    bar = bar_ticks(meter)
    seg_len = max(n.end for n in mel + acc)
    if seg_start + seg_len < file_end <= seg_start + seg_len + 8 * bar:
        seg_len = file_end - seg_start  # trailing silent bars the file keeps (up to 8)
    n_bars = math.ceil(seg_len / bar)
    if not acc:
        chords = []  # a melody alone
    elif is_block_chords(acc):
        chords = block_chords(acc, bar, {t - seg_start: s for t, s in score.chord_texts.items()})
    else:
        chords = beat_chords(acc, mel, meter, n_bars * bar)
    if score.authored and score.key is not None:
        key, remark = score.key, ""
    else:
        key, remark = detect_key(mel, acc, chords, score.key)
    markers = [(t - seg_start, text) for t, text in score.markers if seg_start <= t < seg_end]
    melody = _melody_notes(mel)
    sections = derive_sections(n_bars, bar, melody, chords, markers)
    melody = cut_at_section_ends(melody, sections, bar)
    idea = Idea(key, tempo, meter, sections, tuple(chords), melody, score.name)
    idea.validate()
    return idea, remark


def _melody_notes(mel: list[RawNote]) -> list[Note]:
    """The melody as an idea's notes: into range by octaves, velocity on the grid, length capped."""
    lo, hi = MELODY_RANGE
    notes = []
    for n in mel:
        pitch = n.pitch
        while pitch < lo:
            pitch += 12
        while pitch > hi:
            pitch -= 12
        notes.append(Note(pitch, n.onset, min(n.duration, MAX_DURATION), quantize_velocity(n.velocity)))
    return notes
