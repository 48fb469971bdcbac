"""Notes as read from a file, before they are heard as an idea: the raw score and its hints."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...music.idea import Key


@dataclass(frozen=True)
class RawNote:
    """A note as read from a file: grid ticks, and the track/channel it came from."""

    pitch: int
    onset: int
    duration: int
    velocity: int = 80
    part: int = 0  # track (or part) index
    channel: int = 0

    @property
    def end(self) -> int:
        return self.onset + self.duration


@dataclass
class RawScore:
    """Notes plus the file's hints. ``melody_parts`` marks parts known to hold the melody."""

    notes: list[RawNote]
    time_signatures: list[tuple[int, tuple[int, int]]] = field(default_factory=lambda: [(0, (4, 4))])
    tempo: float = 120.0
    key: Key | None = None
    markers: list[tuple[int, str]] = field(default_factory=list)
    chord_texts: dict[int, str] = field(default_factory=dict)
    part_names: dict[int, str] = field(default_factory=dict)
    melody_parts: set[int] | None = None
    name: str = ""
    end: int = 0  # where the file says the piece ends (end of track), 0 if unknown
    meter_written: bool = True  # False: no time signature in the file (MIDI's 4/4 default)
    timing: str = ""  # what reading the times took ('' = the file's own grid)
    phase_known: bool = True  # False: beats were tracked, where the bar starts is unknown
    authored: bool = False  # written by Songsketch: key and meter are the author's own
    bars_notated: bool = False  # a score's bar lines, written by a person (not a sequencer's count)


class AnalysisError(ValueError):
    """The notes hold no usable chords-plus-melody material (the message says why)."""
