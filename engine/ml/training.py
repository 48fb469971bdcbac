"""Training: from scratch on a corpus, or fine-tuning a model on a user's folder.

Validation is split by song; every epoch draws a fresh transposition (and tempo) for each
training piece; early stopping watches the validation loss; the best weights are published
to the model folder atomically only when training ends well, so the previous model stays
whole and selected if training is cancelled or killed. Progress and cancel are callbacks;
a staging folder beside the target makes training resumable. The same code runs under any
``tf.distribute`` strategy (one CPU, MirroredStrategy over GPUs or logical CPUs).
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import shutil
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..common.files import atomic_write
from ..data.corpus import Song
from ..music.idea import TEMPO_RANGE, Idea, Note, Section, home_key, move_to_key
from ..tokens.encoding import encode, encode_infill
from .model import ModelConfig, build_model, compile_model, config_of, save_model

PIECE_SECTION_BARS = 16  # long sections are cut into pieces of at most this many bars


SCRATCH_RATE = 2e-3  # Adam's learning rate for a model trained from scratch


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 30
    batch_size: int = 32
    learning_rate: float | None = None  # None: the engine's rate for the kind of training,
    # SCRATCH_RATE from scratch, fine_tune_rate x that for a fine-tune (see ``peak_rate``);
    # a number is used as given
    patience: int = 3  # epochs without a better validation loss before stopping
    fine_tune_rate: float = 0.25  # a fine-tune's default rate, as a share of SCRATCH_RATE
    warmup_steps: int = 60  # a fine-tune's rate rises linearly over its first steps
    min_delta: float = 1e-3
    val_fraction: float = 0.1
    seed: int = 1
    keys: str = "normalise"  # "normalise": every piece in C major / A minor (the model
    # writes there and ideas are moved to the asked key);
    # "augment": a random transposition per piece and epoch
    max_train_tokens: int | None = None  # cap per epoch (for quick runs and tests)
    infill_share: float = 0.25  # training pieces also given as fill-in-the-middle, per epoch
    config: ModelConfig = field(default_factory=ModelConfig)


@dataclass(frozen=True)
class TrainProgress:
    """One report: where training is, and how it goes. Losses are mean token cross-entropy."""

    epoch: int  # 1-based
    epochs: int
    batch: int
    batches: int
    loss: float
    val_loss: float | None = None  # set at the end of an epoch
    eta_seconds: float | None = None
    message: str = ""


@dataclass(frozen=True)
class TrainResult:
    folder: Path
    card: dict
    history: list[dict]
    cancelled: bool = False


class TrainingCancelled(Exception):
    """Training was cancelled; the previous model is untouched."""


class TrainingError(ValueError):
    """Training cannot start or go on (message says why)."""


ProgressCallback = Callable[[TrainProgress], None]


# ---------------------------------------------------------------------------
# data


def excerpt(idea: Idea, first_bar: int, sections: Sequence[Section]) -> Idea:
    """Bars ``first_bar``.. of an idea as an idea of its own with the given sections; notes
    are cut at the end of the section they start in."""
    bar = idea.bar_ticks
    n_bars = sum(s.bars for s in sections)
    lo, hi = first_bar * bar, (first_bar + n_bars) * bar
    ends, acc = [], 0
    for s in sections:
        acc += s.bars * bar
        ends.append(acc)
    chords = tuple(replace(c, onset=c.onset - lo) for c in idea.chords if lo <= c.onset < hi)
    notes = []
    for n in idea.melody:
        if lo <= n.onset < hi:
            onset = n.onset - lo
            limit = next(e for e in ends if e > onset)
            notes.append(Note(n.pitch, onset, min(n.duration, limit - onset), n.velocity))
    return Idea(idea.key, idea.tempo, idea.meter, tuple(sections), chords, tuple(notes), idea.name)


def pieces(idea: Idea) -> list[Idea]:
    """Training pieces of a song: its sections cut to at most 16 bars, then every pair of
    neighbouring sections (the shape of a generated idea); a one-section song is one piece."""
    cut: list[tuple[int, Section]] = []
    bar0 = 0
    for s in idea.sections:
        n = math.ceil(s.bars / PIECE_SECTION_BARS)
        sizes = [s.bars // n + (1 if i < s.bars % n else 0) for i in range(n)]
        for size in sizes:
            cut.append((bar0, Section(s.name, size)))
            bar0 += size
    if len(cut) == 1:
        return [excerpt(idea, cut[0][0], [cut[0][1]])]
    return [excerpt(idea, cut[i][0], [cut[i][1], cut[i + 1][1]]) for i in range(len(cut) - 1)]


SAME_TUNE_NOTES = 16  # songs sharing a melody run this long are versions of one tune


def tune_groups(songs: Sequence[Song]) -> list[list[Song]]:
    """Songs grouped by tune: two files sharing a run of 16+ melody notes (transposition-
    invariant, rhythm included) are versions of one tune (a chorale set twice, a song
    exported twice)."""
    from ..assess.originality import OriginalityIndex

    index = OriginalityIndex.build(songs)
    owner = [i for i, song in enumerate(songs) for _ in song.ideas]  # index entry -> song
    parent = list(range(len(songs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, song in enumerate(songs):
        for idea in song.ideas:
            for entry in index.songs_sharing(idea, SAME_TUNE_NOTES):
                a, b = find(i), find(owner[entry])
                if a != b:
                    parent[b] = a
    groups: dict[int, list[Song]] = {}
    for i, song in enumerate(songs):
        groups.setdefault(find(i), []).append(song)
    return list(groups.values())


def split_songs(songs: Sequence[Song], val_fraction: float, seed: int) -> tuple[list[Song], list[Song]]:
    """(train, validation) by song, and by tune: versions of one tune (see ``tune_groups``)
    stay together, so nothing of a held-out tune is trained on."""
    songs = sorted(songs, key=lambda s: s.path)
    if len(songs) < 2:
        raise TrainingError("need at least 2 usable songs (one is held out for validation)")
    order = tune_groups(songs)
    random.Random(seed).shuffle(order)
    if len(order) < 2:  # every file is one tune: split the files after all
        order = [[s] for s in songs]
        random.Random(seed).shuffle(order)
    target = max(1, int(round(len(songs) * val_fraction)))
    val: list[Song] = []
    for group in order:
        if len(val) + len(group) <= target:
            val.extend(group)
    if not val:  # every tune is bigger than the target: hold out the smallest one
        smallest = min(order, key=len)
        val = list(smallest) if len(smallest) < len(songs) else list(smallest[:1])
    held = {s.path for s in val}
    return [s for s in songs if s.path not in held], [s for s in songs if s.path in held]


def prepare(piece: Idea, keys: str, rng: random.Random | None) -> Idea:
    """A piece as the model sees it: key-normalised or randomly transposed, tempo jittered
    (with ``rng``; validation pieces get no randomness)."""
    if keys == "normalise":
        try:
            piece = move_to_key(piece, home_key(piece.key.mode))
        except ValueError:
            pass
    elif keys == "augment" and rng is not None:
        shifts = list(range(-6, 6))
        rng.shuffle(shifts)
        for shift in shifts:
            moved = piece.transposed(shift)
            if moved.fits_ranges():
                piece = moved
                break
    if rng is not None:
        factor = math.exp(rng.uniform(math.log(0.8), math.log(1.25)))
        tempo = int(round(min(max(piece.tempo * factor, TEMPO_RANGE[0]), TEMPO_RANGE[1])))
        piece = replace(piece, tempo=tempo)
    return piece


INFILL_SPANS = (1, 2, 2, 3, 4, 4, 6, 8)  # bars left out for fill-in-the-middle, drawn evenly


def infill_span(bars: int, rng: random.Random) -> tuple[int, int] | None:
    """(first bar, bars) of a span to leave out of a piece of ``bars`` bars, never all of it."""
    if bars < 2:
        return None
    n = min(rng.choice(INFILL_SPANS), bars - 1)
    return rng.randrange(bars - n + 1), n


def encode_pieces(
    songs: Sequence[Song], rng: random.Random | None, keys: str = "normalise", infill_share: float = 0.0
) -> list[np.ndarray]:
    """Token arrays of every piece of every song, prepared as for training; with ``rng``, a
    share ``infill_share`` of the pieces is given a second time as fill-in-the-middle (a
    random span left out and written after the rest, ``encode_infill``)."""
    out = []
    for song in songs:
        for idea in song.ideas:
            for piece in pieces(idea):
                piece = prepare(piece, keys, rng)
                try:
                    out.append(np.asarray(encode(piece, song.style), dtype=np.int32))
                except ValueError:
                    continue
                if rng is not None and infill_share and rng.random() < infill_share:
                    span = infill_span(piece.bars, rng)
                    if span is not None:
                        out.append(np.asarray(encode_infill(piece, song.style, *span), dtype=np.int32))
    return out


def make_batches(
    seqs: list[np.ndarray],
    batch_size: int,
    rng: random.Random | None,
    max_tokens: int | None = None,
    replicas: int = 1,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Padded (inputs, targets) batches of sequences of similar length (less padding).

    With several replicas every batch holds a multiple of ``replicas`` rows (a short last
    batch gives up its remainder), so each device gets a share."""
    order = sorted(range(len(seqs)), key=lambda i: (len(seqs[i]), rng.random() if rng else 0))
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if replicas > 1:
        # training drops a remainder; too few rows (or validation) repeat rows instead
        groups = [
            g[: len(g) - len(g) % replicas]
            if (rng is not None and len(g) >= replicas)
            else (g * replicas)[: len(g) + (-len(g)) % replicas]
            for g in groups
        ]
    if rng is not None:
        rng.shuffle(groups)
    batches, total = [], 0
    for group in groups:
        length = max(len(seqs[i]) for i in group) - 1
        length = int(math.ceil(length / 32) * 32)
        x = np.zeros((len(group), length), np.int32)
        y = np.zeros((len(group), length), np.int32)
        for row, i in enumerate(group):
            s = seqs[i]
            x[row, : len(s) - 1] = s[:-1]
            y[row, : len(s) - 1] = s[1:]
        batches.append((x, y))
        total += int((x > 0).sum())
        if max_tokens is not None and total >= max_tokens:
            break
    return batches


def _dataset(batches, strategy=None):
    import tensorflow as tf

    def gen():
        yield from batches

    spec = tf.TensorSpec((None, None), tf.int32)
    return tf.data.Dataset.from_generator(gen, output_signature=(spec, spec)).prefetch(2)


# ---------------------------------------------------------------------------
# training


def peak_rate(settings: TrainSettings, fine_tune: bool) -> float:
    """The learning rate training runs at (after a fine-tune's warm-up): the one the settings
    give, or the engine's for the kind of training (the one place that decides it)."""
    if settings.learning_rate is not None:
        return settings.learning_rate
    return SCRATCH_RATE * (settings.fine_tune_rate if fine_tune else 1.0)


def _staging(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.training"


def train(
    songs: Sequence[Song],
    out_dir: str | os.PathLike,
    settings: TrainSettings = TrainSettings(),
    base_model: str | os.PathLike | None = None,
    name: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: Callable[[], bool] | None = None,
    strategy=None,
    resume: bool = True,
    data_note: dict | None = None,
    reproduce: str = "",
) -> TrainResult:
    """Train a model on ``songs`` and publish the best one to ``out_dir``.

    ``base_model``: a model folder to fine-tune (its architecture and weights are the start);
    None trains from scratch with ``settings.config``. Raises TrainingCancelled (the folder
    keeps its previous model), TrainingError (nothing to train on) or OSError (disk)."""
    import keras
    import tensorflow as tf

    out_dir = Path(out_dir)
    started = time.perf_counter()
    strategy = strategy or tf.distribute.get_strategy()
    if base_model is not None:
        # a fine-tune sees keys the way its base model learnt them
        from .store import read_card

        settings = replace(settings, keys=read_card(base_model).get("settings", {}).get("keys", "augment"))
    train_songs, val_songs = split_songs(songs, settings.val_fraction, settings.seed)
    val_seqs = encode_pieces(val_songs, None, settings.keys)
    if not val_seqs or not encode_pieces(train_songs[:1] or train_songs, None, settings.keys):
        raise TrainingError("the songs give no training material")
    replicas = strategy.num_replicas_in_sync
    val_batches = make_batches(val_seqs, settings.batch_size, None, replicas=replicas)
    staging = _staging(out_dir)
    fingerprint = _fingerprint(train_songs, val_songs, settings, base_model)
    state = _load_resume(staging, fingerprint) if resume else None
    with strategy.scope():
        if state is not None:
            model = keras.saving.load_model(staging / "resume.keras", compile=True, safe_mode=True)
        elif base_model is not None:
            from .model import load_keras_model

            model = load_keras_model(base_model)
            compile_model(model, peak_rate(settings, fine_tune=True))
        else:
            model = build_model(settings.config)
            compile_model(model, peak_rate(settings, fine_tune=False))
    config = config_of(model)
    history: list[dict] = state["history"] if state else []
    best_val = state["best_val"] if state else math.inf
    bad_epochs = state["bad_epochs"] if state else 0
    first_epoch = state["epoch"] + 1 if state else 1
    best_weights = None
    if state is not None and (staging / "best.weights.h5").exists():
        keep = model.get_weights()
        model.load_weights(staging / "best.weights.h5")
        best_weights = model.get_weights()
        model.set_weights(keep)
    rate = peak_rate(settings, fine_tune=base_model is not None)
    if base_model is not None and state is None:
        # where the base stands on this folder before any step: the bar the fine-tune must
        # clear (its weights stay the best until an epoch beats them)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*ran out of data.*")
            best_val = float(model.evaluate(_dataset(val_batches), verbose=0))
        best_weights = model.get_weights()
        history.append({"epoch": 0, "loss": None, "val_loss": best_val, "tokens": 0})
        if progress is not None:
            message = "base model on this folder"
            progress(TrainProgress(0, settings.epochs, 0, 0, best_val, best_val, None, message))
    rng = random.Random(settings.seed * 1000 + first_epoch)
    batch_seconds: list[float] = []
    steps_done = 0  # warm-up counts from this run's first step
    cancelled = False
    tokens_per_epoch = 0

    class _Hooks(keras.callbacks.Callback):
        def __init__(self, epoch: int, batches: int) -> None:
            super().__init__()
            self.epoch, self.batches, self.t0 = epoch, batches, time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None):
            nonlocal steps_done
            if base_model is not None and steps_done <= settings.warmup_steps:
                warm = min(1.0, (steps_done + 1) / max(1, settings.warmup_steps))
                self.model.optimizer.learning_rate.assign(rate * warm)
            steps_done += 1

        def on_train_batch_end(self, batch, logs=None):
            nonlocal cancelled
            now = time.perf_counter()
            batch_seconds.append(now - self.t0)
            self.t0 = now
            if progress is not None:
                per = float(np.median(batch_seconds[-50:]))
                left = (self.batches - batch - 1) + (settings.epochs - self.epoch) * self.batches
                progress(
                    TrainProgress(
                        self.epoch,
                        settings.epochs,
                        batch + 1,
                        self.batches,
                        float((logs or {}).get("loss", float("nan"))),
                        None,
                        per * left,
                    )
                )
            if cancel is not None and cancel():
                cancelled = True
                self.model.stop_training = True

    for epoch in range(first_epoch, settings.epochs + 1):
        train_seqs = encode_pieces(train_songs, rng, settings.keys, settings.infill_share)
        batches = make_batches(train_seqs, settings.batch_size, rng, settings.max_train_tokens, replicas)
        tokens_per_epoch = int(sum((x > 0).sum() for x, _ in batches))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*ran out of data.*")
            fit = model.fit(
                _dataset(batches), epochs=1, verbose=0, shuffle=False, callbacks=[_Hooks(epoch, len(batches))]
            )
        if cancelled:
            raise TrainingCancelled("training cancelled; the previous model is unchanged")
        loss = float(fit.history["loss"][-1])
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*ran out of data.*")
            val_loss = float(model.evaluate(_dataset(val_batches), verbose=0))
        if cancel is not None and cancel():
            raise TrainingCancelled("training cancelled; the previous model is unchanged")
        history.append({"epoch": epoch, "loss": loss, "val_loss": val_loss, "tokens": tokens_per_epoch})
        improved = val_loss < best_val - settings.min_delta
        if improved:
            best_val, bad_epochs = val_loss, 0
            best_weights = model.get_weights()
        else:
            bad_epochs += 1
        if progress is not None:
            progress(
                TrainProgress(
                    epoch,
                    settings.epochs,
                    len(batches),
                    len(batches),
                    loss,
                    val_loss,
                    None,
                    "best so far" if improved else f"no better for {bad_epochs}",
                )
            )
        _save_resume(
            staging,
            model,
            best_weights if improved else None,
            {
                "fingerprint": fingerprint,
                "epoch": epoch,
                "best_val": best_val,
                "bad_epochs": bad_epochs,
                "history": history,
            },
        )
        if bad_epochs >= settings.patience:
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    best = min(history, key=lambda h: h["val_loss"]) if history else {}
    base_val = next((h["val_loss"] for h in history if h["epoch"] == 0), None)
    card = {
        "name": name or out_dir.name,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "base": "scratch" if base_model is None else f"fine-tuned from {Path(base_model).name}",
        "data": dict(
            data_note or {},
            train_songs=len(train_songs),
            validation_songs=len(val_songs),
            validation_song_names=[s.name for s in val_songs][:50],
            train_tokens_per_epoch=tokens_per_epoch,
        ),
        "styles": _styles(songs, base_model),
        "complete_voicings": complete_voicing_styles(songs),
        "key_counts": _key_counts(songs, base_model),
        "settings": {k: v for k, v in asdict(settings).items() if k != "config"}
        | {"learning_rate": peak_rate(settings, fine_tune=base_model is not None)},
        "architecture": asdict(config),
        "epochs_run": sum(1 for h in history if h["epoch"]),
        "base_validation_loss": base_val,
        "best_epoch": best.get("epoch"),
        "train_loss": best.get("loss"),
        "validation_loss": best.get("val_loss"),
        "history": history,
        "seconds": round(time.perf_counter() - started, 1),
        "reproduce": reproduce,
        "software": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "python": platform.python_version(),
        },
        "device": "GPU" if tf.config.list_physical_devices("GPU") else "CPU",
    }
    extra = {}
    try:
        from ..assess.originality import OriginalityIndex

        extra["index"] = OriginalityIndex.build(list(songs)).to_bytes()
    except ImportError:
        pass
    save_model(out_dir, model, card, extra)
    shutil.rmtree(staging, ignore_errors=True)
    return TrainResult(out_dir, card, history)


COMPLETE_VOICINGS = 0.95  # a style whose chords sound root and third this often keeps to it


def complete_voicing_styles(songs: Sequence[Song]) -> list[str]:
    """The styles among ``songs`` whose chords sound their root and third (nearly) always, as
    chords voiced from symbols do: generation holds that style's chords to it."""
    from ..music.voicing import sounds_root_and_third

    out = []
    for style in sorted({s.style for s in songs}):
        chords = [c for s in songs if s.style == style for i in s.ideas for c in i.chords]
        if chords and np.mean([sounds_root_and_third(c.root, c.quality, c.voicing) for c in chords]) >= (
            COMPLETE_VOICINGS
        ):
            out.append(style)
    return out


def key_counts(songs: Sequence[Song]) -> dict[str, dict[str, list[int]]]:
    """Per style and mode, how many songs are in each tonic (C first): the key of each song's
    first idea (a song that modulates counts where it starts)."""
    out: dict[str, dict[str, list[int]]] = {}
    for song in songs:
        if song.ideas:
            key = song.ideas[0].key
            out.setdefault(song.style, {}).setdefault(key.mode, [0] * 12)[key.tonic] += 1
    return out


def _key_counts(songs: Sequence[Song], base_model) -> dict:
    """The songs' tonics per style and mode, and the base model's for the styles they lack."""
    from .store import read_card

    base = (read_card(base_model).get("key_counts") or {}) if base_model is not None else {}
    return {**base, **key_counts(songs)}


def _styles(songs: Sequence[Song], base_model) -> list[str]:
    """The styles a model can be asked for, its default first: those of its songs (the most
    songs first), then its base model's."""
    from collections import Counter

    from .store import read_card

    counts = Counter(s.style for s in songs)
    learnt = sorted(counts, key=lambda style: (-counts[style], style))
    if base_model is not None:
        learnt += [s for s in read_card(base_model).get("styles", ["song"]) if s not in learnt]
    return learnt


def _fingerprint(train_songs, val_songs, settings: TrainSettings, base_model) -> str:
    import hashlib

    h = hashlib.sha256()
    for s in list(train_songs) + ["|"] + list(val_songs):
        h.update((s if isinstance(s, str) else s.path + str(s.bars)).encode())
    h.update(json.dumps(asdict(settings), sort_keys=True, default=str).encode())
    h.update(str(base_model).encode())
    return h.hexdigest()[:16]


def _load_resume(staging: Path, fingerprint: str) -> dict | None:
    try:
        state = json.loads((staging / "state.json").read_text())
    except (OSError, ValueError):
        return None
    if state.get("fingerprint") != fingerprint or not (staging / "resume.keras").is_file():
        return None
    return state


def _save_resume(staging: Path, model, best_weights, state: dict) -> None:
    """Checkpoint for resuming: the model with its optimizer, the best weights, the counters."""
    try:
        staging.mkdir(parents=True, exist_ok=True)
        tmp = staging / ".resume.keras"
        model.save(tmp)
        os.replace(tmp, staging / "resume.keras")
        if best_weights is not None:
            current = model.get_weights()
            model.set_weights(best_weights)
            tmp = staging / ".best.weights.h5"
            model.save_weights(tmp)
            os.replace(tmp, staging / "best.weights.h5")
            model.set_weights(current)
        atomic_write(staging / "state.json", json.dumps(state).encode())
    except OSError:
        pass  # resuming is a convenience; training goes on
