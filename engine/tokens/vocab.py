"""The token vocabulary: fixed by the representation, never read off data.

Families (id ranges) of REMI-like tokens (Huang & Yang 2020); see ``encoding`` for the
grammar they form.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..music import chords as ch
from ..music.idea import (
    ALL_KEYS,
    MAX_BAR_TICKS,
    MAX_DURATION,
    MAX_SECTION_BARS,
    MELODY_RANGE,
    METERS,
    MODES,
    SECTION_NAMES,
    TEMPO_RANGE,
    VELOCITIES,
    VOICING_RANGE,
    Key,
)
from ..music.motif import LOOKBACK

# 1: every voice and duration spelled out; 2: implicit durations, voicing gaps;
# 3: a style in the header and bars marked as repeating an earlier bar (REP);
# 4: the pop style, and fill-in-the-middle (HOLE, FILL; see ``encoding.encode_infill``);
# 3's tokens are all still here: its models load (``ml.store``)
ENCODING_VERSION = 4
PAIR_GAP_MAX = 16  # an UP2 token stacks two gaps of 1..16 semitones each
VOICING_SPAN = VOICING_RANGE[1] - VOICING_RANGE[0]  # the widest single gap (UP_55)
SPECIALS = ("PAD", "BOS", "EOS", "BAR")
STYLES = ("song", "chorale", "pop")  # what a model learnt from: lead sheet, chorale, today's pop
INFILL_TOKENS = ("HOLE", "FILL")
REPEAT_KINDS = ("motif", "rhythm")  # a bar repeats an earlier bar's rhythm + intervals, or rhythm


class Vocab:
    """Token strings <-> ids, with the id ranges of each token family."""

    def __init__(self) -> None:
        tokens: list[str] = list(SPECIALS)
        self.ranges: dict[str, tuple[int, int]] = {}

        def family(name: str, items: Iterable[str]) -> None:
            start = len(tokens)
            tokens.extend(items)
            self.ranges[name] = (start, len(tokens))

        family("KEY", (f"KEY_{k.name}" for k in ALL_KEYS))
        family("METER", (f"METER_{n}/{d}" for n, d in METERS))
        family("TEMPO", (f"TEMPO_{t}" for t in range(TEMPO_RANGE[0], TEMPO_RANGE[1] + 1)))
        family("SEC", (f"SEC_{s}" for s in SECTION_NAMES))
        family("BARS", (f"BARS_{n}" for n in range(1, MAX_SECTION_BARS + 1)))
        family("POS", (f"POS_{p}" for p in range(MAX_BAR_TICKS)))
        family("CHORD", (f"CHORD_{ch.SHARP_NAMES[r]}{q}" for q in ch.QUALITY_NAMES for r in range(12)))
        family("BASS", (f"BASS_{p}" for p in range(VOICING_RANGE[0], VOICING_RANGE[1] + 1)))
        family("UP", (f"UP_{g}" for g in range(1, VOICING_SPAN + 1)))
        family(
            "UP2", (f"UP2_{a}_{b}" for a in range(1, PAIR_GAP_MAX + 1) for b in range(1, PAIR_GAP_MAX + 1))
        )
        family("VEL", (f"VEL_{v}" for v in VELOCITIES))
        family("P", (f"P_{p}" for p in range(MELODY_RANGE[0], MELODY_RANGE[1] + 1)))
        family("DUR", (f"DUR_{d}" for d in range(1, MAX_DURATION + 1)))
        family("STYLE", (f"STYLE_{s}" for s in STYLES))
        family("REP", (f"REP_{kind}_{k}" for kind in REPEAT_KINDS for k in range(1, LOOKBACK + 1)))
        family("FIM", INFILL_TOKENS)  # fill-in-the-middle: a bar left out, then the left-out bars
        self.tokens = tuple(tokens)
        self.index = {t: i for i, t in enumerate(tokens)}
        self.PAD, self.BOS, self.EOS, self.BAR = 0, 1, 2, 3
        self.HOLE, self.FILL = self.ranges["FIM"][0], self.ranges["FIM"][0] + 1
        # per-token family and offset, for decoding without searching the ranges
        family_of: list[str] = list(SPECIALS)
        offset_of: list[int] = [0] * len(SPECIALS)
        for name, (start, end) in self.ranges.items():
            family_of += [name] * (end - start)
            offset_of += list(range(end - start))
        self.token_family = tuple(family_of)
        self.token_offset = tuple(offset_of)
        # semitones a gap token adds on top of a voicing (for register limits)
        self.up_rise = np.arange(1, VOICING_SPAN + 1)
        a, b = np.divmod(np.arange(PAIR_GAP_MAX * PAIR_GAP_MAX), PAIR_GAP_MAX)
        self.up2_rise = a + b + 2

    def __len__(self) -> int:
        return len(self.tokens)

    def id(self, family: str, offset: int) -> int:
        start, end = self.ranges[family]
        if not 0 <= offset < end - start:
            raise ValueError(f"{family} offset {offset} out of range")
        return start + offset

    def family_of(self, token: int) -> tuple[str, int]:
        """(family, offset) of a token id; specials give (name, 0)."""
        if not 0 <= token < len(self.tokens):
            raise ValueError(f"token id {token} out of range")
        return self.token_family[token], self.token_offset[token]

    # Token constructors for the encoder.
    def key(self, key: Key) -> int:
        return self.id("KEY", MODES.index(key.mode) * 12 + key.tonic)

    def meter(self, meter: tuple[int, int]) -> int:
        return self.id("METER", METERS.index(meter))

    def tempo(self, bpm: int) -> int:
        return self.id("TEMPO", bpm - TEMPO_RANGE[0])

    def sec(self, name: str) -> int:
        return self.id("SEC", SECTION_NAMES.index(name))

    def bars(self, n: int) -> int:
        return self.id("BARS", n - 1)

    def pos(self, p: int) -> int:
        return self.id("POS", p)

    def chord(self, root: int, quality: str) -> int:
        return self.id("CHORD", ch.QUALITY_NAMES.index(quality) * 12 + root)

    def bass(self, pitch: int) -> int:
        return self.id("BASS", pitch - VOICING_RANGE[0])

    def up(self, gap: int) -> int:
        return self.id("UP", gap - 1)

    def up2(self, lower: int, upper: int) -> int:
        if not (1 <= lower <= PAIR_GAP_MAX and 1 <= upper <= PAIR_GAP_MAX):
            raise ValueError(f"UP2 gaps {lower}, {upper} out of range")
        return self.id("UP2", (lower - 1) * PAIR_GAP_MAX + upper - 1)

    def vel(self, velocity: int) -> int:
        return self.id("VEL", VELOCITIES.index(velocity))

    def pitch(self, pitch: int) -> int:
        return self.id("P", pitch - MELODY_RANGE[0])

    def dur(self, ticks: int) -> int:
        return self.id("DUR", ticks - 1)

    def style(self, name: str) -> int:
        return self.id("STYLE", STYLES.index(name))

    def rep(self, kind: str, back: int) -> int:
        """A bar repeating bar ``back`` bars before it (``kind``: 'motif' or 'rhythm')."""
        return self.id("REP", REPEAT_KINDS.index(kind) * LOOKBACK + back - 1)

    def rep_of(self, offset: int) -> tuple[str, int]:
        """(kind, bars back) of a REP token's offset."""
        kind, back = divmod(offset, LOOKBACK)
        return REPEAT_KINDS[kind], back + 1

    def voicing(self, pitches: Sequence[int]) -> list[int]:
        """The tokens of a voicing: its bass, then the gaps upwards, two at a time (UP2)
        while both gaps are at most PAIR_GAP_MAX, else one (UP)."""
        gaps = [b - a for a, b in zip(pitches, pitches[1:])]
        out = [self.bass(pitches[0])]
        i = 0
        while i < len(gaps):
            if i + 1 < len(gaps) and gaps[i] <= PAIR_GAP_MAX and gaps[i + 1] <= PAIR_GAP_MAX:
                out.append(self.up2(gaps[i], gaps[i + 1]))
                i += 2
            else:
                out.append(self.up(gaps[i]))
                i += 1
        return out


VOCAB = Vocab()
