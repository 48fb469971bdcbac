"""The schedule of a training run: the learning rate and a fine-tune's warm-up, the time
left, and early stopping on the validation loss. Plain Python: no Keras here."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .settings import TrainSettings

SCRATCH_RATE = 2e-3  # Adam's learning rate for a model trained from scratch
# (epochs at most, patience) of each kind of run. A fine-tune stops sooner: on 30 POP909 songs
# its validation loss levels off by the 5th-7th epoch (``bench.finetune``) and each epoch
# costs about 14 CPU s, so 8 epochs keep it under 3 minutes on two cores.
SCRATCH_RUN = (30, 3)
FINE_TUNE_RUN = (8, 2)


def for_run(settings: TrainSettings, fine_tune: bool) -> TrainSettings:
    """The settings a run uses: the epochs and patience given, or the engine's for the kind
    of training (the one place that decides them, as ``peak_rate`` the rate)."""
    epochs, patience = FINE_TUNE_RUN if fine_tune else SCRATCH_RUN
    return replace(
        settings,
        epochs=settings.epochs if settings.epochs is not None else epochs,
        patience=settings.patience if settings.patience is not None else patience,
    )


def peak_rate(settings: TrainSettings, fine_tune: bool) -> float:
    """The learning rate training runs at (after a fine-tune's warm-up): the one the settings
    give, or the engine's for the kind of training (the one place that decides it)."""
    if settings.learning_rate is not None:
        return settings.learning_rate
    return SCRATCH_RATE * (settings.fine_tune_rate if fine_tune else 1.0)


@dataclass
class Warmup:
    """A fine-tune's learning rate rising linearly to ``peak`` over the first ``steps`` steps
    of this run (a resumed run warms up again: its optimizer starts afresh)."""

    peak: float
    steps: int
    done: int = 0

    def next_rate(self) -> float | None:
        """The rate for the next step, or None once warmed up (the optimizer keeps the peak)."""
        rate = None
        if self.done <= self.steps:
            rate = self.peak * min(1.0, (self.done + 1) / max(1, self.steps))
        self.done += 1
        return rate


@dataclass
class BatchClock:
    """Seconds per batch, for the time a run has left (the median of the last 50 batches)."""

    seconds: list[float] = field(default_factory=list)
    last: float = field(default_factory=time.perf_counter)

    def start(self) -> None:
        """Start timing (at each epoch: the time between epochs is no batch's)."""
        self.last = time.perf_counter()

    def lap(self) -> None:
        """A batch has ended."""
        now = time.perf_counter()
        self.seconds.append(now - self.last)
        self.last = now

    def eta(self, batches_left: int) -> float:
        """Seconds left for ``batches_left`` more batches."""
        return float(np.median(self.seconds[-50:])) * batches_left


@dataclass
class EarlyStopping:
    """The best validation loss so far, with its weights, and the epochs since it: a run
    stops after ``patience`` epochs that did not beat it by ``min_delta``."""

    patience: int
    min_delta: float
    best_val: float = math.inf
    bad_epochs: int = 0
    best_weights: list | None = None

    def update(self, val_loss: float, weights: Callable[[], list] | None = None) -> bool:
        """Count an epoch's validation loss; True if it is the best (and then ``weights()``
        are kept, when given)."""
        improved = val_loss < self.best_val - self.min_delta
        if improved:
            self.best_val, self.bad_epochs = val_loss, 0
            if weights is not None:
                self.best_weights = weights()
        else:
            self.bad_epochs += 1
        return improved

    @property
    def done(self) -> bool:
        return self.bad_epochs >= self.patience
