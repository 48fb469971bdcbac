"""MIDI files in and out (mido): any type 0/1 file -> ideas; an idea -> a type-1 file.

Written files have two tracks, "Chords" (tempo, meter, key, section markers, chord-symbol
text events, block chords on channel 1) and "Melody" (channel 2); reading one back gives
the same idea exactly.
"""

from __future__ import annotations

import io
import os
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

import mido

from ..common.files import atomic_write
from ..music.idea import TICKS_PER_BEAT, Idea, Key
from .analysis import RawNote, RawScore, score_to_ideas
from .timing import find_time_map

OUT_TICKS_PER_BEAT = 480  # a multiple of TICKS_PER_BEAT: written times are exact
CHORD_VELOCITY = 72
DRUM_CHANNEL = 9
MAX_FILE_BYTES = 64 * 1024 * 1024
SUSTAIN = 64  # the sustain pedal's controller
MAX_NOTES = 200_000
# Marks files Songsketch wrote (0x7D: the manufacturer ID for non-commercial use): their key
# and meter are the author's, not a converter's default, and are read back as written.
AUTHOR_MARK = (0x7D, *b"Songsketch")


class MidiError(ValueError):
    """A file that is not readable MIDI, or holds nothing we can use (message says why)."""


def _load(source: bytes | str | os.PathLike) -> tuple[mido.MidiFile, str]:
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), "idea"
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise MidiError(f"cannot read: {exc.strerror or exc}") from None
        if size > MAX_FILE_BYTES:
            raise MidiError(f"file too large ({size // 1_000_000} MB)")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise MidiError(f"cannot read: {exc.strerror or exc}") from None
        name = path.stem
    if len(data) == 0:
        raise MidiError("empty file")
    if not data.startswith(b"MThd"):
        raise MidiError("not a MIDI file (no MThd header)")
    try:
        mid = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except EOFError:
        raise MidiError("damaged MIDI: the file ends early (truncated?)") from None
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise MidiError(f"damaged MIDI: {exc or type(exc).__name__}") from None
    if mid.type == 2:
        raise MidiError("type-2 MIDI (independent patterns) is not supported")
    if not mid.tracks:
        raise MidiError("no tracks")
    if not isinstance(mid.ticks_per_beat, int) or mid.ticks_per_beat <= 0 or mid.ticks_per_beat >= 0x8000:
        raise MidiError("SMPTE time division is not supported")
    return mid, name


@dataclass
class FileEvents:
    """What a MIDI file holds, in file ticks: notes ``(pitch, start, end, velocity, part,
    channel)`` as a piano sounds them (sustain pedal honoured, drums dropped), and its meta
    events."""

    tpb: int
    name: str
    found: list[tuple[int, int, int, int, int, int]]
    tempos: list[tuple[int, int]]
    sigs: list[tuple[int, tuple[int, int]]]
    key: Key | None
    markers: list[tuple[int, str]]
    texts: list[tuple[int, str]]
    part_names: dict[int, str]
    authored: bool
    track_end: int


def file_events(source: bytes | str | os.PathLike) -> FileEvents:
    """The notes and meta events of a MIDI file in its own ticks. Note-on with velocity 0 ends
    a note; running status is mido's. A note released while the sustain pedal (CC 64) is down
    sounds on until the pedal comes up (or the key is struck again), as a piano plays it.
    Drums (channel 10) are dropped. Raises MidiError."""
    mid, name = _load(source)

    # (pitch, start, end, velocity, part, channel) in file ticks
    found: list[tuple[int, int, int, int, int, int]] = []
    tempos: list[tuple[int, int]] = []
    sigs: list[tuple[int, tuple[int, int]]] = []
    key: Key | None = None
    markers: list[tuple[int, str]] = []
    texts: list[tuple[int, str]] = []
    part_names: dict[int, str] = {}
    drums_seen = False
    authored = False
    track_end = 0
    for index, track in enumerate(mid.tracks):
        tick = 0
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = {}
        pedal: set[int] = set()  # channels with the sustain pedal down
        sustained: dict[tuple[int, int], list[tuple[int, int]]] = {}  # released under the pedal
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                if msg.channel == DRUM_CHANNEL:
                    drums_seen = True
                    continue
                for start, vel in sustained.pop((msg.channel, msg.note), []):  # struck again
                    found.append((msg.note, start, tick, vel, index, msg.channel))
                open_notes.setdefault((msg.channel, msg.note), []).append((tick, msg.velocity))
            elif msg.type in ("note_off", "note_on"):
                started = open_notes.get((msg.channel, msg.note))
                if started:
                    start, vel = started.pop(0)
                    if msg.channel in pedal:
                        sustained.setdefault((msg.channel, msg.note), []).append((start, vel))
                    else:
                        found.append((msg.note, start, tick, vel, index, msg.channel))
            elif msg.type == "control_change" and msg.control == SUSTAIN:
                if msg.value >= 64:
                    pedal.add(msg.channel)
                elif msg.channel in pedal:
                    pedal.discard(msg.channel)
                    for (channel, pitch), held in list(sustained.items()):
                        if channel == msg.channel:
                            found.extend((pitch, start, tick, vel, index, channel) for start, vel in held)
                            del sustained[(channel, pitch)]
            elif msg.type == "set_tempo":
                tempos.append((tick, msg.tempo))
            elif msg.type == "time_signature":
                sigs.append((tick, (msg.numerator, msg.denominator)))
            elif msg.type == "key_signature" and key is None:
                try:
                    key = Key.parse(msg.key)
                except ValueError:
                    key = None
            elif msg.type in ("marker", "cue_marker"):
                markers.append((tick, msg.text))
            elif msg.type == "text":
                texts.append((tick, msg.text))
            elif msg.type == "sequencer_specific" and tuple(msg.data) == AUTHOR_MARK:
                authored = True
            elif msg.type in ("track_name", "instrument_name") and index not in part_names:
                part_names[index] = msg.name
            if len(found) > MAX_NOTES:
                raise MidiError(f"more than {MAX_NOTES} notes")
        track_end = max(track_end, tick)
        for (channel, pitch), held in sustained.items():  # the pedal never came up
            found.extend((pitch, start, tick, vel, index, channel) for start, vel in held)
        for (channel, pitch), starts in open_notes.items():  # never released: end at track end
            for start, vel in starts:
                found.append((pitch, start, tick, vel, index, channel))
    if not found:
        raise MidiError("drums only" if drums_seen else "no notes")
    return FileEvents(
        mid.ticks_per_beat, name, found, tempos, sigs, key, markers, texts, part_names, authored, track_end
    )


def seconds_of(events: FileEvents, ticks: list[int]) -> list[float]:
    """File ticks as seconds from the file's start, through its tempo changes."""
    changes = sorted(events.tempos) or [(0, 500_000)]
    if changes[0][0] > 0:
        changes.insert(0, (0, 500_000))
    starts, at = [], 0.0  # seconds at each tempo change
    for i, (tick, _tempo) in enumerate(changes):
        if i:
            prev_tick, prev_tempo = changes[i - 1]
            at += mido.tick2second(tick - prev_tick, events.tpb, prev_tempo)
        starts.append(at)
    change_ticks = [t for t, _ in changes]
    out = []
    for t in ticks:
        i = bisect_right(change_ticks, t) - 1
        out.append(starts[i] + mido.tick2second(t - change_ticks[i], events.tpb, changes[i][1]))
    return out


def read_raw(source: bytes | str | os.PathLike) -> RawScore:
    """A MIDI file's notes on the tick grid, with tempo, meters, key, markers, chord texts and
    track names (see :func:`file_events`). Times are read against the file's beats as
    :mod:`timing` finds them (its own grid, a constant phase taken off, or beats tracked
    through a performance). Raises MidiError."""
    read = file_events(source)
    tpb, found, tempos = read.tpb, read.found, read.tempos
    time_map = find_time_map(*_onset_strengths(found), tpb)
    starts = time_map.ticks([f[1] for f in found])
    ends = time_map.ticks([f[2] for f in found])
    notes = _notes_on_grid(found, starts, ends, legato=time_map.quantise)
    tempo = 120.0
    if tempos:
        # the tempo in force longest (in ticks) over the piece
        end = max(f[2] for f in found)
        spans: dict[int, int] = {}
        ordered = sorted(tempos)
        for i, (t, value) in enumerate(ordered):
            stop = ordered[i + 1][0] if i + 1 < len(ordered) else max(end, t + 1)
            spans[value] = spans.get(value, 0) + max(0, stop - t)
        tempo = mido.tempo2bpm(max(spans.items(), key=lambda kv: kv[1])[0])  # first wins ties
    beats = time_map.beat_ticks
    if len(beats) > 1:  # a performance: its own tempo, from the beats found
        tempo *= (len(beats) - 1) * tpb / (beats[-1] - beats[0])

    def grid(events):
        return list(zip(time_map.ticks([t for t, _ in events]), [v for _, v in events]))

    return RawScore(
        notes=notes,
        time_signatures=grid(read.sigs) or [(0, (4, 4))],
        tempo=tempo,
        key=read.key,
        markers=grid(read.markers),
        chord_texts=dict(grid(read.texts)),
        part_names=read.part_names,
        name=read.name,
        end=time_map.ticks([read.track_end])[0],
        meter_written=bool(read.sigs),
        timing=time_map.how,
        phase_known=not beats,
        authored=read.authored,
    )


def _onset_strengths(found) -> tuple[list[int], list[float]]:
    """Each distinct onset (file ticks) and how strong it is: notes starting together, low
    notes (a bass) and accents count more."""
    strength: dict[int, float] = {}
    for pitch, start, _end, vel, _part, _channel in found:
        strength[start] = strength.get(start, 0.0) + 1.0 + (pitch < 55) + vel / 127
    ordered = sorted(strength)
    return ordered, [strength[t] for t in ordered]


def _notes_on_grid(found, starts: list[int], ends: list[int], legato: bool) -> list[RawNote]:
    """RawNotes from file notes and their grid times. With ``legato`` (times quantised from a
    performance), a note released just before the next onset of its part is held to it, as
    a transcriber would write it."""
    shortest = 3 if legato else 1  # a 16th when quantising; grace notes keep one tick
    notes = [
        RawNote(pitch, start, max(end - start, shortest), vel, part, channel)
        for (pitch, _s, _e, vel, part, channel), start, end in zip(found, starts, ends)
    ]
    if not legato:
        return notes
    by_part: dict[tuple[int, int], list[int]] = {}
    for n in notes:
        by_part.setdefault((n.part, n.channel), []).append(n.onset)
    for onsets in by_part.values():
        onsets.sort()
    out = []
    for n in notes:
        onsets = by_part[(n.part, n.channel)]
        i = bisect_right(onsets, n.onset)
        if i < len(onsets) and 0 < onsets[i] - n.end <= max(3, (onsets[i] - n.onset) // 4):
            n = RawNote(n.pitch, n.onset, onsets[i] - n.onset, n.velocity, n.part, n.channel)
        out.append(n)
    return out


def read_ideas(source: bytes | str | os.PathLike) -> list[Idea]:
    """Ideas of a MIDI file (one per stretch of constant meter). Raises MidiError or
    analysis.AnalysisError (both ValueError) with a one-line reason."""
    return score_to_ideas(read_raw(source))


def idea_to_midi(idea: Idea) -> bytes:
    """A type-1 .mid of the idea: tracks "Chords" and "Melody", tempo, meter, key, markers."""
    idea.validate()
    scale = OUT_TICKS_PER_BEAT // TICKS_PER_BEAT
    names = idea.key.spelling
    head = [
        mido.MetaMessage("track_name", name="Chords", time=0),
        mido.MetaMessage(
            "time_signature",
            numerator=idea.meter[0],
            denominator=idea.meter[1],
            clocks_per_click=24,
            notated_32nd_notes_per_beat=8,
            time=0,
        ),
        mido.MetaMessage("key_signature", key=idea.key.name, time=0),
        mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(idea.tempo), time=0),
        mido.MetaMessage("sequencer_specific", data=AUTHOR_MARK, time=0),
        mido.Message("program_change", channel=0, program=0, time=0),
    ]
    # (tick, order, kind, fields): each message is built once, with its delta time
    events: list[tuple[int, int, str, dict]] = []
    for section, start, _end in idea.section_spans():
        events.append((start * scale, 0, "marker", {"text": section.name.title()}))
    for c in idea.chords:
        events.append((c.onset * scale, 1, "text", {"text": c.symbol(names)}))
        for p in c.voicing:
            events.append(
                (c.onset * scale, 3, "note_on", {"channel": 0, "note": p, "velocity": CHORD_VELOCITY})
            )
            events.append((c.end * scale, 2, "note_off", {"channel": 0, "note": p, "velocity": 0}))
    chords_track = mido.MidiTrack(head + _delta(events))
    chords_track.append(
        mido.MetaMessage(
            "end_of_track", time=max(0, idea.total_ticks * scale - sum(m.time for m in chords_track))
        )
    )
    mel_events: list[tuple[int, int, str, dict]] = []
    for n in idea.melody:
        mel_events.append(
            (n.onset * scale, 3, "note_on", {"channel": 1, "note": n.pitch, "velocity": n.velocity})
        )
        mel_events.append((n.end * scale, 2, "note_off", {"channel": 1, "note": n.pitch, "velocity": 0}))
    melody_track = mido.MidiTrack(
        [
            mido.MetaMessage("track_name", name="Melody", time=0),
            mido.Message("program_change", channel=1, program=0, time=0),
        ]
        + _delta(mel_events)
    )
    mid = mido.MidiFile(type=1, ticks_per_beat=OUT_TICKS_PER_BEAT)
    mid.tracks.extend([chords_track, melody_track])
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def _delta(events: list[tuple[int, int, str, dict]]) -> list:
    """Messages in time order (ties: markers, text, note-offs, then note-ons) with delta times."""
    out, last = [], 0
    for tick, _order, kind, fields in sorted(events, key=lambda e: (e[0], e[1])):
        cls = mido.Message if kind.startswith("note") else mido.MetaMessage
        out.append(cls(kind, time=tick - last, **fields))
        last = tick
    return out


def write_midi(idea: Idea, path: str | os.PathLike) -> None:
    """Save the idea as a .mid file, atomically."""
    atomic_write(path, idea_to_midi(idea))
