"""From raw notes to ideas: melody/accompaniment split, chords, key, meter, sections.

Input is a :class:`RawScore` (notes on the tick grid of ``TICKS_PER_BEAT``, with the
meter map and whatever hints the file gave); output is one :class:`Idea` per stretch of
constant meter. Both the MIDI reader and the music21 corpus loader feed this package, one
module a step: ``melody`` (which notes are the tune), ``meter`` (where bars start),
``harmony`` (the chords), ``key``, ``sections``, and ``pipeline``, which runs them.
"""

from .harmony import beat_chords, block_chords
from .key import detect_key, key_scores
from .melody import monophonic_line, split_melody
from .meter import hear_meter, settle_meter
from .pipeline import Analysis, analyse, score_to_ideas
from .raw import AnalysisError, RawNote, RawScore
from .sections import cut_at_section_ends, derive_sections

__all__ = [
    "Analysis",
    "AnalysisError",
    "RawNote",
    "RawScore",
    "analyse",
    "beat_chords",
    "block_chords",
    "cut_at_section_ends",
    "derive_sections",
    "detect_key",
    "hear_meter",
    "key_scores",
    "monophonic_line",
    "score_to_ideas",
    "settle_meter",
    "split_melody",
]
