"""Fast batched generation: a NumPy LSTM step, grammar-constrained sampling, partial
regeneration and primers.

Many ideas decode together, one token per step for the whole batch, with the LSTM state
carried between steps (no per-token ``model.predict``). Each row follows its own
:class:`~.constraints.ConstrainedGrammar`, so every idea is well formed: whole bars, a
verse then a chorus, chords in the low register and the melody above them.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..ml.card import DEFAULT_STYLES, NEW_MODEL_KEYS
from ..ml.weights import LSTMWeights
from ..music.idea import TICKS_PER_BEAT, Idea, Key, home_key, move_to_key
from ..music.motif import LOOKBACK
from ..tokens.encoding import encode, encode_bars, encode_infill
from ..tokens.vocab import VOCAB
from .blas import one_blas_thread
from .constraints import ConstrainedGrammar, KeptPart, constraints_for
from .infill import INFILL_DRAFTS, SILENT_TOKENS, best_joined, check_span, opening_bars, spliced
from .lstm import NumpyLSTM
from .primer import end_of_bar_index, primer_excerpt
from .rows import RowPicker
from .sampling import CLOSING_TOKENS, draw_one, draw_rows
from .settings import REPETITION_BIAS, GenerationSettings
from .shape import check_parts, has_melody, well_shaped

IdeaCallback = Callable[[int, Idea], None]
RowCallback = Callable[[int, Idea], "bool | None"]  # (row, idea) -> True: stop decoding


_REP_TOKENS = np.arange(*VOCAB.ranges["REP"])
# POS tokens of the odd 16ths of each beat ('e' and 'a': ticks 3 and 9 of a quarter)
_SIXTEENTH_POSITIONS = np.array(
    [
        VOCAB.pos(p)
        for p in range(VOCAB.ranges["POS"][1] - VOCAB.ranges["POS"][0])
        if p % (TICKS_PER_BEAT // 2) == TICKS_PER_BEAT // 4
    ]
)
# a repeated motif's first note is drawn with its source pitch's odds x e^3 = 20: held-out songs
# repeat a motif at its own pitch 76% of the time, the model alone 16%
EXACT_MOTIF_BIAS = 3.0


@dataclass(frozen=True)
class Start:
    """Where decoding starts when the model has read more than the grammars were fed (see
    ``Generator._decode_rows``): its state, the next token it reads, the forced tokens it
    does not read."""

    state: list
    token: int
    silent: tuple[int, ...] = ()


class Cancelled(Exception):
    """Generation was stopped by its cancel flag."""


class Generator:
    """Generates ideas from a model's weights. Thread-safe for one call at a time per object."""

    def __init__(
        self,
        weights: LSTMWeights,
        keys: str = NEW_MODEL_KEYS,
        complete_voicings: Sequence[str] = (),
        repeat_bias: dict[str, float] | None = None,
        styles: Sequence[str] = DEFAULT_STYLES,
        onset_bias: dict[str, float] | None = None,
        key_counts: dict | None = None,
    ) -> None:
        """``keys``: how the model learnt keys ('normalise': it writes in C major / A minor and
        ideas are moved to the asked key; 'augment': it writes in any key directly).
        ``complete_voicings``: the styles whose training chords all sounded their root and
        third (voiced from symbols): there a chord must too (see ``constraints.Voicing``).
        ``repeat_bias``: a logit bias per repeat kind ('motif', 'rhythm') that brings the rate
        at which the model marks repeated bars to the held-out songs' (measured when the model
        was published: the model alone under-marks motifs); the repetition control adds to it.
        ``styles``: those the model learnt, its own first (asked for when settings name none).
        ``onset_bias``: a logit bias for onsets on odd 16ths ('sixteenth'), calibrated like
        the repeat bias: sampled, a model writes fewer 16ths than its songs (in step with
        the 8ths it has just written) though it predicts them right note for note.
        ``key_counts``: per style and mode, how often each tonic (C, C#, ...) opens a training
        song: an idea in Auto key gets a tonic drawn as often as the style's songs use it
        (none: every tonic alike)."""
        self.styles = tuple(styles) or DEFAULT_STYLES
        self.key_counts = key_counts or {}
        self.complete_voicings = frozenset(complete_voicings)
        self.repeat_bias = np.zeros(len(VOCAB), np.float32)
        for kind, value in (repeat_bias or {}).items():
            first = VOCAB.rep(kind, 1)
            self.repeat_bias[first : first + LOOKBACK] = value
        sixteenth = (onset_bias or {}).get("sixteenth", 0.0)
        self.repeat_bias[_SIXTEENTH_POSITIONS] += sixteenth  # one table of calibrated biases
        self.lstm = NumpyLSTM(weights)
        self.normalised = keys == "normalise"
        self._lock = threading.Lock()
        self._mask_cache: dict = {}

    MASK_CACHE_LIMIT = 20000  # situations kept between calls (about 1.5 kB each)

    def _tonic(self, rng: random.Random, settings: GenerationSettings, idea: Idea) -> int:
        """A tonic for an idea in Auto key: as often as the style's songs in its mode use it."""
        counts = self.key_counts.get(settings.style, {}).get(idea.key.mode)
        if not counts or len(counts) != 12 or sum(counts) <= 0:
            return rng.randrange(12)
        return rng.choices(range(12), weights=counts)[0]

    def with_style(self, settings: GenerationSettings) -> GenerationSettings:
        """The settings with their style named: the model's own where they name none."""
        return settings if settings.style is not None else replace(settings, style=self.styles[0])

    def _masks(self) -> dict:
        """The grammar-mask memo shared by all rows and calls (masks depend only on the
        grammar situation, never on the model); emptied when it grows past the limit."""
        if len(self._mask_cache) > self.MASK_CACHE_LIMIT:
            self._mask_cache.clear()
        return self._mask_cache

    def generate(
        self,
        settings: GenerationSettings,
        on_idea: IdeaCallback | None = None,
        cancel: Callable[[], bool] | None = None,
        batch_size: int = 32,
        accept: Callable[[Idea], bool] | None = None,
    ) -> list[Idea]:
        """``settings.count`` ideas; ``on_idea(index, idea)`` fires as each one finishes.

        An idea with a section lacking melody or chords, or one ``accept`` refuses, is
        redrawn. Same settings and seed -> the same ideas. Raises Cancelled if ``cancel()``
        turns true. (How the rows of a batch are drawn and shown: see ``_draw``.)"""
        settings = self.with_style(settings)
        key_rng = random.Random(settings.seed)
        thin: list[Idea] = []  # well formed, just thin: a last resort

        def judge(idea: Idea) -> Idea | None:
            """The idea as it will be shown, or None when it is to be redrawn."""
            if self.normalised:
                tonic = (
                    settings.key.tonic if settings.key is not None else self._tonic(key_rng, settings, idea)
                )
                try:
                    idea = move_to_key(idea, Key(tonic, idea.key.mode))
                except ValueError:
                    return None
            if not well_shaped(idea):
                if len(thin) < settings.count:
                    thin.append(idea)
                return None
            if accept is not None and not accept(idea):
                return None
            return idea

        ideas = self._draw(
            lambda: self._grammar(settings, cache=self._masks()),
            settings.count,
            settings,
            np.random.default_rng(settings.seed),
            judge,
            on_idea,
            cancel,
            limit=10 * settings.count + 64,
            batch_size=batch_size,
        )
        # a model that keeps writing thin ideas still gives the count asked for
        for idea in thin:
            if len(ideas) >= settings.count:
                break
            if accept is None or accept(idea):
                ideas.append(idea)
                if on_idea is not None:
                    on_idea(len(ideas) - 1, idea)
        return ideas

    @staticmethod
    def extra_rows(need: int) -> int:
        """Rows decoded beyond ``need`` in a batch: about one in eight (none for one idea,
        where a lone row is fastest and a redraw is cheap)."""
        return 0 if need <= 1 else -(-need // 8)

    def _grammar(self, settings: GenerationSettings, **kwargs) -> ConstrainedGrammar:
        """A row of fresh generation."""
        key, key_choices = settings.key, None
        if self.normalised:
            key = home_key(settings.key.mode) if settings.key is not None else None
            key_choices = (home_key("major"), home_key("minor"))
        rules = constraints_for(
            keep_register=settings.keep_register,
            key_choices=key_choices,
            harmonic_rhythm=settings.harmonic_rhythm,
            complete_voicings=settings.style in self.complete_voicings,
        )
        return ConstrainedGrammar(
            key=key,
            meter=settings.meter,
            tempo=settings.tempo,
            plan=settings.plan(),
            style=settings.style,
            constraints=rules,
            **kwargs,
        )

    def _home(self, idea: Idea) -> Idea:
        """An idea as the model writes it (in C major / A minor for a key-normalised model)."""
        return move_to_key(idea, home_key(idea.key.mode)) if self.normalised else idea

    def regenerate(
        self,
        idea: Idea,
        keep: str,
        settings: GenerationSettings,
        count: int = 1,
        on_idea: IdeaCallback | None = None,
        cancel: Callable[[], bool] | None = None,
        accept: Callable[[Idea], bool] | None = None,
        tempo_from_model: bool = False,
    ) -> list[Idea]:
        """New ideas that keep the idea's chords ('chords': a new melody) or its melody
        ('melody': new chords), with its key, tempo, meter and sections (each its own tempo,
        written by the model, with ``tempo_from_model``: the model's melodies follow the
        tempo, in 16ths at a ballad's and in 8ths at 100 bpm); new chords are in
        ``settings.key`` where it names one (a melody's key is the user's to say: the one
        heard from a tune alone may be its relative). Those ``accept`` refuses are redrawn."""
        check_parts(idea, keep)
        if keep == "melody" and settings.key is not None:
            idea = replace(idea, key=settings.key)
        settings = self.with_style(settings)
        rng = np.random.default_rng(settings.seed)
        home = self._home(idea)
        kept = KeptPart.of(home, keep)
        tempo = None if tempo_from_model else idea.tempo
        plan_settings = replace(settings, key=home.key, tempo=tempo, meter=idea.meter)

        def row() -> ConstrainedGrammar:
            return ConstrainedGrammar(
                key=home.key,
                meter=idea.meter,
                tempo=tempo,
                plan=idea.sections,
                style=settings.style,
                constraints=constraints_for(
                    keep_register=settings.keep_register,
                    kept=kept,
                    shift=_shift_between(home, idea),
                    harmonic_rhythm=settings.harmonic_rhythm,
                    complete_voicings=settings.style in self.complete_voicings,
                ),
            )

        shift = _shift_between(home, idea)
        # a new melody must be one: some notes in every section
        return self._draw_derived(
            row, count, plan_settings, rng, shift, on_idea, cancel, accept, keep == "chords"
        )

    def infill(
        self,
        idea: Idea,
        first_bar: int,
        bars: int,
        settings: GenerationSettings,
        part: str = "both",
        on_idea: IdeaCallback | None = None,
        cancel: Callable[[], bool] | None = None,
        accept: Callable[[Idea], bool] | None = None,
    ) -> list[Idea]:
        """New versions of an idea that keep every bar outside ``first_bar`` ..
        ``first_bar + bars - 1`` (0-based) note for note and rewrite that span: its melody,
        its chords or both (``part``), the other kept. The model reads the bars before and
        after the span first (fill-in-the-middle, ``encode_infill``), so the span is written
        to join both sides. Those ``accept`` refuses are redrawn. Raises ValueError for a
        span that is empty, outside the idea or the whole of it."""
        settings = self.with_style(settings)
        check_span(idea, first_bar, bars, part)
        check_parts(idea, "chords")
        style = settings.style
        home = self._home(idea)
        shift = _shift_between(home, idea)
        end = (first_bar + bars) * home.bar_ticks
        state, head, opening = self._infill_opening(home, style, first_bar, bars)
        kept = None if part == "both" else KeptPart.of(home, "chords" if part == "melody" else "melody")

        def row() -> ConstrainedGrammar:
            g = ConstrainedGrammar(
                key=home.key,
                meter=home.meter,
                tempo=home.tempo,
                plan=head.sections,
                style=style,
                cache=self._masks(),
                constraints=constraints_for(
                    keep_register=settings.keep_register,
                    shift=shift,  # the register the idea has in its own key
                    harmonic_rhythm=settings.harmonic_rhythm,
                    kept=kept,
                    complete_voicings=style in self.complete_voicings,
                ),
            )
            for token in opening:
                g.feed(token, check=False)
            return g

        start_tick = first_bar * home.bar_ticks

        def assemble(written: Idea) -> Idea | None:
            return spliced(home, written, start_tick, end, idea.name)

        rng = np.random.default_rng(settings.seed)
        drafts = self._draw_derived(
            row,
            settings.count * INFILL_DRAFTS,
            settings,
            rng,
            shift,
            None,
            cancel,
            accept,
            True,
            start=Start(state, VOCAB.BAR, SILENT_TOKENS),
            assemble=assemble,
        )
        shown = best_joined(drafts, start_tick, end, settings.count)
        for i, filled in enumerate(shown):
            if on_idea is not None:
                on_idea(i, filled)
        return shown

    def _infill_opening(self, home: Idea, style: str, first_bar: int, bars: int):
        """(the model's state after reading ``home`` with the span left out and FILL, the bars
        up to the span's end as an idea, the tokens the grammars take before the span)."""
        fim = encode_infill(home, style, first_bar, bars)
        state = self.lstm.zero_state(1)
        for token in fim[: fim.index(VOCAB.FILL) + 1]:
            _top, state = self.lstm.advance(np.array([token]), state)
        head = opening_bars(home, first_bar + bars)  # the sections end with the span
        header, encoded = encode_bars(head, style)
        opening = header + [t for h, b in encoded[:first_bar] for t in h + b] + encoded[first_bar][0]
        return state, head, opening + [VOCAB.BAR]

    def continue_primer(
        self,
        primer: Idea,
        settings: GenerationSettings,
        on_idea: IdeaCallback | None = None,
        cancel: Callable[[], bool] | None = None,
        accept: Callable[[Idea], bool] | None = None,
    ) -> list[Idea]:
        """Ideas whose verse starts with the primer's first bars (``settings.kept_bars``) and
        goes on from there, in the primer's key, tempo and meter. Those ``accept`` refuses
        are redrawn."""
        check_parts(primer, "chords")
        settings = self.with_style(settings)
        bars = settings.kept_bars(primer)
        plan = settings.plan()
        original = primer
        primer = self._home(primer)
        head = primer_excerpt(primer, bars, plan)
        tokens = encode(head, settings.style)
        # keep everything up to the end of the primer's last bar, and the token that closes
        # it (BAR, or SEC where a section ends): without it, the model could add voices to the
        # primer's last chord, or notes to its last bar
        prefix = tokens[: end_of_bar_index(tokens, bars) + 1]
        rng = np.random.default_rng(settings.seed)

        def row() -> ConstrainedGrammar:
            return ConstrainedGrammar(
                key=primer.key,
                meter=primer.meter,
                tempo=primer.tempo,
                plan=plan,
                style=settings.style,
                cache=self._masks(),
                constraints=constraints_for(
                    keep_register=settings.keep_register,
                    script=prefix,
                    shift=_shift_between(primer, original),
                    harmonic_rhythm=settings.harmonic_rhythm,
                    complete_voicings=settings.style in self.complete_voicings,
                ),
            )

        shift = _shift_between(primer, original)
        # a continuation has a melody, even of a chords-only primer
        return self._draw_derived(row, settings.count, settings, rng, shift, on_idea, cancel, accept, True)

    def _draw(
        self,
        row: Callable[[], ConstrainedGrammar],
        count: int,
        settings: GenerationSettings,
        rng: np.random.Generator,
        judge: Callable[[Idea], Idea | None],
        on_idea: IdeaCallback | None,
        cancel: Callable[[], bool] | None,
        *,
        limit: int,
        extra: bool = True,
        batch_size: int | None = None,
        whole_batches: bool = False,
        start: Start | None = None,
    ) -> list[Idea]:
        """``count`` ideas decoded from rows ``row()`` makes, batch after batch until there are
        enough or ``limit`` rows have been drawn (a model that cannot satisfy ``judge`` stops
        somewhere). ``judge(idea)``: the idea as it is shown, or None when it is redrawn. Each
        shown idea goes to ``on_idea``.

        A batch decodes a few rows more than it needs (``extra``), so that a refused idea
        rarely costs a second batch, at most ``batch_size`` rows. Which rows are shown depends
        only on their order, never on how soon they finish: the first ``need`` rows (by row
        number) that pass (taking the first to *finish* would favour short, sparse ideas). A
        finished row is shown at once when it passes and cannot be pushed out by the
        unfinished rows before it, and the batch stops as soon as its ``need`` ideas are
        settled. With ``whole_batches``, every row decodes to its end and the rows are judged
        and shown in row order once their batch is done (as regenerated, continued and
        filled-in ideas always were: the same seed gives them the same ideas, in the same
        order). ``start``: where the model starts reading (see ``_decode_rows``)."""
        ideas: list[Idea] = []
        drawn = 0

        def show(picker: RowPicker, index: int, idea: Idea) -> None:
            for shown in picker.finish(index, judge(idea)):
                ideas.append(shown)
                if on_idea is not None:
                    on_idea(len(ideas) - 1, shown)

        with self._lock:
            while len(ideas) < count and drawn < limit:
                need = count - len(ideas)
                n = need + (self.extra_rows(need) if extra else 0)
                if batch_size is not None:
                    n = min(batch_size, n)
                picker = RowPicker(n, need)
                held: list[Idea | None] = [None] * n  # a whole batch's rows, by row number

                def done(index: int, idea: Idea, picker: RowPicker = picker, held: list = held) -> bool:
                    nonlocal drawn
                    drawn += 1
                    if whole_batches:
                        held[index] = idea
                        return False
                    show(picker, index, idea)
                    return picker.settled

                grammars = [row() for _ in range(n)]
                self._decode(grammars, settings, rng, done, cancel, start)
                for index, idea in enumerate(held):
                    if idea is not None:
                        show(picker, index, idea)
        return ideas

    def _draw_derived(
        self,
        row: Callable[[], ConstrainedGrammar],
        count: int,
        settings: GenerationSettings,
        rng: np.random.Generator,
        shift: int,
        on_idea: IdeaCallback | None,
        cancel: Callable[[], bool] | None,
        accept: Callable[[Idea], bool] | None,
        need_melody: bool = False,
        start: Start | None = None,
        assemble: Callable[[Idea], Idea | None] | None = None,
    ) -> list[Idea]:
        """``count`` ideas made from another (regenerated, continued, filled in), decoded
        from rows ``row()`` makes in whole batches (see ``_draw``): a decoded row becomes
        ``assemble(row)`` (None: redrawn), written in the model's home key and moved back by
        ``shift`` (the very shift that brought their source home); it is redrawn when out of
        the piano's range there, without a melody in every section (``need_melody``) or
        refused by ``accept``."""

        def judge(idea: Idea) -> Idea | None:
            if assemble is not None:
                idea = assemble(idea)
                if idea is None:
                    return None
            if self.normalised:
                idea = idea.transposed(shift)
            if not idea.fits_ranges():
                return None
            if need_melody and not has_melody(idea):
                return None
            if accept is not None and not accept(idea):
                return None
            return idea

        return self._draw(
            row,
            count,
            settings,
            rng,
            judge,
            on_idea,
            cancel,
            limit=4 * count + 16,
            extra=accept is not None or need_melody,
            whole_batches=True,
            start=start,
        )

    def _decode(
        self,
        grammars: list[ConstrainedGrammar],
        settings: GenerationSettings,
        rng: np.random.Generator,
        on_done: RowCallback,
        cancel: Callable[[], bool] | None,
        start: "Start | None" = None,
    ) -> list[Idea]:
        """Decode all rows together, one token per step. Rows that finish leave the batch;
        a step computes logits only for rows with a choice to make, and only for the tokens
        one of them may take. ``on_done(row, idea)`` returning True ends the decoding there.

        BLAS runs on one thread meanwhile: a step's matrices are small, and a second BLAS
        thread only waits for a core that the GUI, the synth or another program holds
        (16 ideas took 1.2 s instead of 0.33 s here with one core busy elsewhere)."""
        with one_blas_thread():
            return self._decode_rows(grammars, settings, rng, on_done, cancel, start)

    # The per-token hot loop, kept whole: a dozen arrays change together at every step.
    def _decode_rows(
        self,
        grammars: list[ConstrainedGrammar],
        settings: GenerationSettings,
        rng: np.random.Generator,
        on_done: RowCallback,
        cancel: Callable[[], bool] | None,
        start: "Start | None" = None,
    ) -> list[Idea]:
        """(See ``_decode``; the hot loop of generation, kept in one piece.) ``start``: rows
        whose grammars were fed an opening the model did
        not read as such (fill-in-the-middle): the model starts from ``start.state`` with
        ``start.token`` to read, and the tokens in ``start.silent`` that the grammars are
        forced to take are not read by the model (it never saw them where they now fall)."""
        lstm = self.lstm
        n = len(grammars)
        state = lstm.zero_state(n)
        top = state[-1][0]
        silent = None
        if start is not None:
            state = [(np.repeat(h, n, axis=0), np.repeat(c, n, axis=0)) for h, c in start.state]
            silent = np.zeros(len(VOCAB), dtype=bool)
            silent[list(start.silent)] = True
        active = np.arange(n)
        results: list[Idea | None] = [None] * n
        temperature = max(1e-3, float(settings.temperature))
        bias = self.repeat_bias.copy()
        bias[_REP_TOKENS] += REPETITION_BIAS[settings.repetition]
        biased = bool(bias.any())
        fed: np.ndarray | None = None if start is None else np.full(n, start.token, np.int64)
        step = 0
        while len(active):
            if cancel is not None and step % 16 == 0 and cancel():
                raise Cancelled()
            options = [grammars[i].choices() for i in active]
            choice = np.fromiter((o[1] for o in options), np.int64, len(options))
            if fed is not None:
                read_top, read_state = lstm.advance(fed, state)
                if silent is not None and silent[fed].any():  # those rows keep what they had
                    quiet = silent[fed]
                    read_top = np.where(quiet[:, None], top, read_top)
                    read_state = [
                        (np.where(quiet[:, None], h0, h1), np.where(quiet[:, None], c0, c1))
                        for (h0, c0), (h1, c1) in zip(state, read_state)
                    ]
                top, state = read_top, read_state
            free = np.flatnonzero(choice < 0)
            if len(free):
                # whether (and what) a bar repeats is drawn from the model's whole distribution:
                # nucleus sampling would cut the markers, each of them rare (one per bar back)
                rows = [grammars[i] for i in active[free].tolist()]
                top_p = np.where([g.repeat_room() for g in rows], 1.0, settings.top_p)
                if len(free) == 1:
                    masks = options[free[0]][0][None, :]
                    cols, closing = options[free[0]][2:]
                else:
                    picked = [options[j] for j in free]
                    masks = np.stack([o[0] for o in picked])
                    wanted = masks.any(axis=0)
                    closing = any(o[3] for o in picked)
                    if closing:
                        wanted[CLOSING_TOKENS] = True
                    cols = np.flatnonzero(wanted)
                z = lstm.logits(top[free], cols)
                if biased:
                    z += bias[cols]
                for j, g in enumerate(rows):
                    if g.biasing:
                        extra = g.logit_bias()
                        if extra is not None:
                            z[j] += extra[cols]
                    if g.bar_repeat is not None:  # a repeated motif: at its own pitch
                        token = g.preferred()
                        at = np.searchsorted(cols, token) if token is not None else len(cols)
                        if at < len(cols) and cols[at] == token:
                            z[j, at] += EXACT_MOTIF_BIAS
                if len(free) == 1:
                    choice[free[0]] = cols[
                        draw_one(z[0], masks[0, cols], closing, cols, rng, float(top_p[0]), temperature)
                    ]
                else:
                    choice[free] = cols[draw_rows(z, masks[:, cols], closing, cols, rng, top_p, temperature)]
            finished = []
            for j, (i, token) in enumerate(zip(active.tolist(), choice.tolist())):
                g = grammars[i]
                g.feed(token, check=False)
                if g.done:
                    idea = g.idea()
                    results[i] = idea
                    if on_done(int(i), idea):
                        return [r for r in results if r is not None]
                    finished.append(j)
            fed = choice
            if finished:
                keep = np.ones(len(active), dtype=bool)
                keep[finished] = False
                active, fed = active[keep], fed[keep]
                state = [(h[keep], c[keep]) for h, c in state]
                top = top[keep]
            step += 1
        return [r for r in results if r is not None]


def _shift_between(a: Idea, b: Idea) -> int:
    """Semitones that move idea ``a`` onto ``b`` (same notes, another key)."""
    if a.melody and b.melody:
        return b.melody[0].pitch - a.melody[0].pitch
    if a.chords and b.chords:
        return b.chords[0].voicing[0] - a.chords[0].voicing[0]
    return 0
