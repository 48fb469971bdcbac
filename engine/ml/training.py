"""Training: from scratch on a corpus, or fine-tuning a model on a user's folder.

Validation is split by tune (``split``); every epoch draws a fresh transposition (and tempo)
for each training piece (``pieces``, ``dataset``); early stopping watches the validation loss
(``schedule``); the best weights are published to the model folder atomically only when
training ends well (``publish``), so the previous model stays whole and selected if training
is cancelled or killed. Progress and cancel are callbacks; a staging folder beside the target
makes training resumable (``checkpoint``). The same code runs under any ``tf.distribute``
strategy (one CPU, MirroredStrategy over GPUs or logical CPUs).
"""

from __future__ import annotations

import os
import platform
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .card import ModelCard, complete_voicing_styles, key_counts, learnt_styles
from .checkpoint import Checkpoint, fingerprint
from .dataset import RunData, count_tokens
from .fitting import CANCELLED, evaluate, fit_epoch
from .folder_style import closest_style
from .model import build_model, compile_model, config_of, load_keras_model
from .publish import publish
from .quiet import StartupQuiet, import_tensorflow
from .reports import ProgressCallback, TrainingCancelled, TrainingError, TrainProgress, TrainResult
from .schedule import BatchClock, EarlyStopping, Warmup, for_run, peak_rate
from .settings import TrainSettings
from .store import read_card

if TYPE_CHECKING:
    from ..data.corpus import Song

__all__ = ["TrainSettings", "TrainProgress", "TrainResult", "TrainingCancelled", "TrainingError", "train"]


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
    keeps its previous model), TrainingError (nothing to train on) or OSError (disk).
    TensorFlow's harmless start-up lines stay off the terminal until the first progress
    report (``quiet.StartupQuiet``)."""
    quiet = StartupQuiet().start()
    try:
        return _train(
            songs,
            out_dir,
            settings,
            base_model,
            name,
            quiet.until_first(progress),
            cancel,
            strategy,
            resume,
            data_note,
            reproduce,
        )
    finally:
        quiet.stop()


def _train(
    songs: Sequence[Song],
    out_dir: str | os.PathLike,
    settings: TrainSettings,
    base_model: str | os.PathLike | None,
    name: str | None,
    progress: ProgressCallback | None,
    cancel: Callable[[], bool] | None,
    strategy,
    resume: bool,
    data_note: dict | None,
    reproduce: str,
) -> TrainResult:
    """``train``'s run, TensorFlow imported here."""
    tf = import_tensorflow()

    out_dir, started = Path(out_dir), time.perf_counter()
    strategy = strategy or tf.distribute.get_strategy()
    base = read_card(base_model) if base_model is not None else None
    settings = for_run(settings, fine_tune=base is not None)
    if base is not None:
        settings = replace(settings, keys=base.keys)  # a fine-tune sees keys as its base learnt them
    data = RunData.split(songs, settings, strategy.num_replicas_in_sync)
    checkpoint = Checkpoint(out_dir, fingerprint(data.train_songs, data.val_songs, settings, base_model))
    state = checkpoint.load_state() if resume else None
    # the same seed gives the same run: first weights, dropout, and a fine-tune's steps
    import keras

    keras.utils.set_random_seed(settings.seed)
    with strategy.scope():
        model = _start_model(settings, base_model, checkpoint if state is not None else None)
    data, style, style_losses = _teach_as(model, data, base, state)
    history: list[dict] = state["history"] if state else []
    stopping = EarlyStopping(settings.patience, settings.min_delta)
    if state is not None:
        stopping.best_val, stopping.bad_epochs = state["best_val"], state["bad_epochs"]
        stopping.best_weights = checkpoint.best_weights(model)
    elif base_model is not None:
        history.append(
            _measure_base(model, data, stopping, settings.epochs, progress, style_losses.get(style))
        )
    rate = peak_rate(settings, fine_tune=base_model is not None)
    warmup = Warmup(rate, settings.warmup_steps) if base_model is not None else None
    first_epoch = state["epoch"] + 1 if state else 1
    rng, clock, tokens_per_epoch = random.Random(settings.seed * 1000 + first_epoch), BatchClock(), 0
    for epoch in range(first_epoch, settings.epochs + 1):
        batches = data.train_batches(rng)
        tokens_per_epoch = count_tokens(batches)
        loss = fit_epoch(model, batches, epoch, settings.epochs, warmup, clock, progress, cancel)
        val_loss = evaluate(model, data.val_batches)
        if cancel is not None and cancel():
            raise TrainingCancelled(CANCELLED)
        history.append({"epoch": epoch, "loss": loss, "val_loss": val_loss, "tokens": tokens_per_epoch})
        improved = stopping.update(val_loss, model.get_weights)
        if progress is not None:
            message = "best so far" if improved else f"no better for {stopping.bad_epochs}"
            progress(
                TrainProgress(
                    epoch, settings.epochs, len(batches), len(batches), loss, val_loss, None, message
                )
            )
        counters = {
            "epoch": epoch,
            "best_val": stopping.best_val,
            "bad_epochs": stopping.bad_epochs,
            "style": style,
        }
        checkpoint.save(model, stopping.best_weights if improved else None, dict(counters, history=history))
        if stopping.done:
            break
    if stopping.best_weights is not None:
        model.set_weights(stopping.best_weights)
    seconds = round(time.perf_counter() - started, 1)
    taught = data.train_songs + data.val_songs  # in the style they were taught as
    card = _card(name or out_dir.name, taught, data, base_model, base, model, history, tokens_per_epoch)
    note = dict(data_note or {}, **card.data) | _style_note(style, style_losses)
    card = replace(card, data=note, seconds=seconds, reproduce=reproduce)
    card = publish(out_dir, model, card, songs)
    checkpoint.remove()
    return TrainResult(out_dir, card, history)


def _start_model(settings: TrainSettings, base_model, checkpoint: Checkpoint | None):
    """The Keras model a run starts from, compiled: the checkpoint's (resuming), the base
    model's (a fine-tune) or a new one."""
    if checkpoint is not None:
        return checkpoint.load_model()
    if base_model is not None:
        model = load_keras_model(base_model)
        compile_model(model, peak_rate(settings, fine_tune=True))
        return model
    model = build_model(settings.config)
    compile_model(model, peak_rate(settings, fine_tune=False))
    return model


def _teach_as(
    model, data: RunData, base: ModelCard | None, state: dict | None
) -> tuple[RunData, str | None, dict[str, float]]:
    """A fine-tune's songs in the base's style that fits them best (``folder_style``; a
    resumed run keeps the one it chose): (the run's data, that style or None where the songs
    keep their own, the base's validation loss in each style tried)."""
    if base is None:
        return data, None, {}
    style, losses = (state.get("style"), {}) if state is not None else closest_style(model, data, base.styles)
    return (data.restyled(style) if style else data), style, losses


def _style_note(style: str | None, losses: dict[str, float]) -> dict:
    """What the card says of the style a fine-tune taught its songs as."""
    if not style:
        return {}
    return {"taught_as_style": style} | (
        {"base_loss_per_style": {k: round(v, 4) for k, v in losses.items()}} if losses else {}
    )


def _measure_base(
    model,
    data: RunData,
    stopping: EarlyStopping,
    epochs: int,
    progress: ProgressCallback | None,
    known: float | None = None,
) -> dict:
    """Where a fine-tune's base stands on this folder before any step (``known``: measured
    already): the bar the fine-tune must clear (its weights stay the best until an epoch
    beats them). Its history entry."""
    stopping.best_val = known if known is not None else evaluate(model, data.val_batches)
    stopping.best_weights = model.get_weights()
    if progress is not None:
        val = stopping.best_val
        progress(TrainProgress(0, epochs, 0, 0, val, val, None, "base model on this folder"))
    return {"epoch": 0, "loss": None, "val_loss": stopping.best_val, "tokens": 0}


def _card(
    name: str,
    songs: Sequence[Song],
    data: RunData,
    base_model,
    base: ModelCard | None,
    model,
    history: list[dict],
    tokens_per_epoch: int,
) -> ModelCard:
    """The card of a finished run, fine-tuned from the folder ``base_model`` (its card
    ``base``) or from scratch (None); ``train`` adds its time, its command and the caller's
    note on the data."""
    import keras
    import tensorflow as tf

    best = min(history, key=lambda h: h["val_loss"]) if history else {}
    settings = data.settings
    return ModelCard(
        name=name,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        base="scratch" if base_model is None else f"fine-tuned from {Path(base_model).name}",
        data={
            "train_songs": len(data.train_songs),
            "validation_songs": len(data.val_songs),
            "validation_song_names": [s.name for s in data.val_songs][:50],
            "train_tokens_per_epoch": tokens_per_epoch,
        },
        styles=learnt_styles(songs, base),
        complete_voicings=complete_voicing_styles(songs, base),
        key_counts=key_counts(songs, base),
        settings={k: v for k, v in asdict(settings).items() if k != "config"}
        | {"learning_rate": peak_rate(settings, fine_tune=base is not None)},
        architecture=asdict(config_of(model)),
        epochs_run=sum(1 for h in history if h["epoch"]),
        base_validation_loss=next((h["val_loss"] for h in history if h["epoch"] == 0), None),
        best_epoch=best.get("epoch"),
        train_loss=best.get("loss"),
        validation_loss=best.get("val_loss"),
        history=tuple(history),
        software={
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "python": platform.python_version(),
        },
        device="GPU" if tf.config.list_physical_devices("GPU") else "CPU",
    )
