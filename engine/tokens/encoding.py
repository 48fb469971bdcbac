"""An idea's lossless token encoding (and decoding through the grammar).

Time is counted in *ticks* of ``TICKS_PER_BEAT`` per quarter note (12: holds 16ths,
8th and 16th triplets exactly). Onsets are absolute from the start of the idea.

Token grammar (one sequence per idea or song; REMI-like, Huang & Yang 2020)::

    BOS STYLE_s KEY_k METER_m TEMPO_t
    ( SEC_name BARS_n ( BAR [REP_kind_k] ( POS_p [CHORD_c BASS_b (UP2_g_h | UP_g)+ [DUR_d]]
                                               [[VEL_v] P_n [DUR_d]] )* ){n} )+
    EOS

STYLE_s says what the sequence is like (a song, a chorale), so one model can learn both and
be asked for either. REP_kind_k marks a bar whose melody repeats bar k bars back: its
rhythm and intervals ('motif') or its rhythm ('rhythm'), as ``music.motif`` defines them;
the bar's events are still all written (the marker is redundant for decoding), so a model
learns where songs repeat themselves, and generation can make a marked bar repeat.

Within a bar, each onset position appears once (POS_p, p rising); the chord that starts
there comes before the melody note that starts there. A voicing is its lowest pitch then the
gaps upwards, two stacked gaps per UP2 token. Durations are implicit where they can be: a
chord holds until the next chord or the bar line, a melody note until the next note or the
end of its section; DUR_d is written only for a shorter event (then a rest follows). VEL_v
is written only when the melody's velocity changes. In the built-in corpus this takes a
third fewer tokens than spelling every voice and duration (27 -> 18 per bar), and
generation time is proportional to tokens.
The same :class:`~.grammar.Grammar` state machine decodes tokens and constrains generation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..music.idea import MAX_DURATION, Idea
from ..music.motif import repeats
from .grammar import Grammar
from .vocab import VOCAB


def implicit_chord_end(chord_onset: int, next_onset: int | None, bar: int) -> int:
    """Where a chord ends when its duration is not written: at the next chord or the bar line."""
    bar_end = (chord_onset // bar + 1) * bar
    return min(bar_end, chord_onset + MAX_DURATION, next_onset if next_onset is not None else bar_end)


def implicit_note_end(onset: int, next_onset: int | None, section_end: int) -> int:
    """Where a melody note ends when its duration is not written: at the next melody note
    or the end of its section, and at most MAX_DURATION after its onset."""
    end = min(section_end, onset + MAX_DURATION)
    return min(end, next_onset) if next_onset is not None else end


def implicit_durations(idea: Idea) -> tuple[dict[int, bool], dict[int, bool]]:
    """For each chord and each melody note, by onset: whether its duration is the implicit
    one (then the encoding leaves its DUR out)."""
    bar = idea.bar_ticks
    chords = sorted(idea.chords, key=lambda c: c.onset)
    notes = sorted(idea.melody, key=lambda n: n.onset)
    section_ends = [end for _, _, end in idea.section_spans()]
    chord_implicit = {}
    for i, c in enumerate(chords):
        nxt = chords[i + 1].onset if i + 1 < len(chords) else None
        chord_implicit[c.onset] = implicit_chord_end(c.onset, nxt, bar) == c.end
    note_implicit = {}
    for i, n in enumerate(notes):
        nxt = notes[i + 1].onset if i + 1 < len(notes) else None
        section_end = next((e for e in section_ends if n.onset < e), section_ends[-1])
        note_implicit[n.onset] = implicit_note_end(n.onset, nxt, section_end) == n.end
    return chord_implicit, note_implicit


def encode(idea: Idea, style: str = "song") -> list[int]:
    """Token ids of an idea (validated first; raises ValueError if it is not well formed).

    A duration is written only where it differs from the implicit one (a chord holds until
    the next chord or the bar line, a note until the next note or the section's end)."""
    header, bars = encode_bars(idea, style)
    return header + [t for head, body in bars for t in head + body] + [VOCAB.EOS]


def encode_bars(
    idea: Idea, style: str = "song", velocity_at: Iterable[int] = ()
) -> tuple[list[int], list[tuple[list[int], list[int]]]]:
    """The header tokens, and per bar its head (``SEC BARS`` where a section starts there)
    and its body (``BAR [REP] events``). VEL is written where the melody's velocity changes,
    and at the first note on or after each bar of ``velocity_at`` (where a rearranged
    sequence starts reading)."""
    idea.validate()
    v = VOCAB
    header = [v.BOS, v.style(style), v.key(idea.key), v.meter(idea.meter), v.tempo(idea.tempo)]
    marked = repeats(idea)
    bar = idea.bar_ticks
    chords = sorted(idea.chords, key=lambda c: c.onset)
    notes = sorted(idea.melody, key=lambda n: n.onset)
    chord_implicit, note_implicit = implicit_durations(idea)
    chords_at = {c.onset: c for c in chords}
    notes_at = {n.onset: n for n in notes}
    onsets = sorted(set(chords_at) | set(notes_at))
    velocity = None
    pending = set(velocity_at)
    i = 0
    bar_index = 0
    bars: list[tuple[list[int], list[int]]] = []
    for section in idea.sections:
        head = [v.sec(section.name), v.bars(section.bars)]
        for _ in range(section.bars):
            if bar_index in pending:
                velocity = None
            out = [v.BAR]
            if bar_index in marked:
                out.append(v.rep(*marked[bar_index]))
            start, end = bar_index * bar, (bar_index + 1) * bar
            while i < len(onsets) and onsets[i] < end:
                t = onsets[i]
                out.append(v.pos(t - start))
                c = chords_at.get(t)
                if c is not None:
                    out.append(v.chord(c.root, c.quality))
                    out += v.voicing(c.voicing)
                    if not chord_implicit[t]:
                        out.append(v.dur(c.duration))
                n = notes_at.get(t)
                if n is not None:
                    if n.velocity != velocity:
                        out.append(v.vel(n.velocity))
                        velocity = n.velocity
                    out.append(v.pitch(n.pitch))
                    if not note_implicit[t]:
                        out.append(v.dur(n.duration))
                i += 1
            bars.append((head, out))
            head = []
            bar_index += 1
    return header, bars


def encode_infill(idea: Idea, style: str, first_bar: int, n_bars: int) -> list[int]:
    """A fill-in-the-middle arrangement of an idea (Bavarian et al. 2022), for learning to
    rewrite bars ``first_bar .. first_bar + n_bars - 1`` between what comes before and after::

        header, bars before, HOLE per left-out bar (its section head kept), bars after, EOS,
        FILL, the left-out bars' bodies, EOS

    so a model reads both sides before writing the span. :func:`from_infill` puts the bars
    back in order; the ordinary grammar then decodes the idea. Raises ValueError for a span
    outside the idea or covering all of it."""
    if n_bars < 1 or first_bar < 0 or first_bar + n_bars > idea.bars or n_bars >= idea.bars:
        raise ValueError(f"bars {first_bar + 1}-{first_bar + n_bars} cannot be filled in {idea.bars} bars")
    v = VOCAB
    span = range(first_bar, first_bar + n_bars)
    header, bars = encode_bars(idea, style, velocity_at=(first_bar, first_bar + n_bars))
    out = list(header)
    for b, (head, body) in enumerate(bars):
        out += head + ([v.HOLE] if b in span else body)
    out += [v.EOS, v.FILL]
    for b in span:
        out += bars[b][1]
    return out + [v.EOS]


def from_infill(tokens: Sequence[int]) -> list[int]:
    """The left-to-right sequence of a fill-in-the-middle one (see :func:`encode_infill`):
    each HOLE replaced by the next left-out bar. A sequence without FILL comes back as it is.
    Raises ValueError when the holes and the filled bars do not match."""
    v = VOCAB
    tokens = [int(t) for t in tokens]
    if v.FILL not in tokens:
        return tokens
    cut = tokens.index(v.FILL)
    outside = tokens[:cut]
    if outside and outside[-1] == v.EOS:
        outside = outside[:-1]
    fill = tokens[cut + 1 :]
    if fill and fill[-1] == v.EOS:
        fill = fill[:-1]
    filled: list[list[int]] = []
    for t in fill:
        if t == v.BAR:
            filled.append([])
        if not filled:
            raise ValueError("a filled bar must start with BAR")
        filled[-1].append(t)
    if len(filled) != outside.count(v.HOLE):
        raise ValueError(f"{outside.count(v.HOLE)} bars left out, {len(filled)} filled")
    ordered: list[int] = []
    pending = iter(filled)
    for t in outside:
        ordered += next(pending) if t == v.HOLE else [t]
    out, velocity = [], None  # a VEL that changes nothing in this order is dropped
    for t in ordered:
        if v.token_family[t] == "VEL":
            if t == velocity:
                continue
            velocity = t
        out.append(t)
    return out + [v.EOS]


def decode(tokens: Sequence[int], name: str = "") -> Idea:
    """The idea of a token sequence; ValueError (with the position) if it breaks the grammar."""
    grammar = Grammar()
    for i, token in enumerate(tokens):
        try:
            grammar.feed(int(token))
        except ValueError as exc:
            raise ValueError(f"at token {i}: {exc}") from None
    if not grammar.done:
        raise ValueError("token sequence ended before EOS")
    return grammar.idea(name)


def token_names(tokens: Iterable[int]) -> list[str]:
    return [VOCAB.tokens[int(t)] for t in tokens]
