"""The form a written score shows: its rehearsal marks, section words ('Verse', 'Chorus'),
repeat barlines, double bars and first/second endings, as markers for the section rule.

Rehearsal marks and section words name a section and start it. Barlines only hint where one
may start: ``|:`` (a repeat begins), ``:|`` (a repeat ends, or the last of its endings) and
``||`` (a double or final bar inside the piece); ``derive_sections`` weighs them. The score
is read as written: repeats are not played out.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .analysis.sections import DOUBLE_BAR, REPEAT_END, REPEAT_START

# words over the staff that name a section (tempo words, 'D.S. al Coda', chord names written
# as text are not marks)
_SECTION_WORDS = re.compile(r"^\W*(verses?|chorus|refrain|bridge|intro|outro)\b", re.I)


def form_markers(part, tick: Callable) -> list[tuple[int, str]]:
    """(tick, text) of the form marks of a music21 part (the melody's), in time order;
    ``tick`` turns a music21 offset into the score's ticks."""
    measures = list(part.getElementsByClass("Measure"))
    if not measures:
        return []
    starts = [float(m.offset) for m in measures]
    ends = starts[1:] + [starts[-1] + float(measures[-1].quarterLength)]
    marks = [(tick(m.offset), str(m.content)) for m in part.flatten().getElementsByClass("RehearsalMark")]
    marks += _section_words(part, starts, tick)
    marks += _barline_hints(part, measures, ends, tick)
    return sorted(set(marks))


def _section_words(part, starts: list[float], tick: Callable) -> list[tuple[int, str]]:
    """Section words, each at the bar line nearest to it (a 'Chorus' over its pickup note at
    the end of a bar starts the next bar)."""
    found = []
    for words in part.flatten().getElementsByClass("TextExpression"):
        text = str(words.content or "").strip()
        if _SECTION_WORDS.search(text):
            at = min(starts, key=lambda s: abs(s - float(words.offset)))
            found.append((tick(at), text))
    return found


def _barline_hints(part, measures: list, ends: list[float], tick: Callable) -> list[tuple[int, str]]:
    """Repeat and double barlines as hints. A repeat that ends inside a first ending marks
    the end of the last ending instead (the section goes on through the second ending)."""
    from music21 import bar, spanner

    in_ending: dict[int, int] = {}  # id of a measure in an ending -> index of its run's last measure
    index = {id(m): i for i, m in enumerate(measures)}
    covered = sorted(
        index[id(m)]
        for b in part.getElementsByClass(spanner.RepeatBracket)
        for m in b.getSpannedElements()
        if id(m) in index
    )
    runs: list[list[int]] = []
    for i in covered:
        if runs and i <= runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        for i in run:
            in_ending[i] = run[-1]
    hints = []
    for i, m in enumerate(measures):
        left, right = m.leftBarline, m.rightBarline
        if isinstance(left, bar.Repeat) and left.direction == "start" and i > 0:
            hints.append((tick(m.offset), REPEAT_START))
        if i in in_ending:
            if in_ending[i] == i:  # the end of the last ending
                hints.append((tick(ends[i]), REPEAT_END))
            continue
        if isinstance(right, bar.Repeat) and right.direction == "end":
            hints.append((tick(ends[i]), REPEAT_END))
        elif right is not None and right.type in ("double", "final", "heavy-light", "light-heavy"):
            hints.append((tick(ends[i]), DOUBLE_BAR))
    last = tick(ends[-1])
    return [(t, text) for t, text in hints if t < last]
