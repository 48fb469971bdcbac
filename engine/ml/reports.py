"""What a training run tells its caller: progress as it goes, the result, or why it stopped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .card import ModelCard


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


ProgressCallback = Callable[[TrainProgress], None]


@dataclass(frozen=True)
class TrainResult:
    folder: Path
    card: ModelCard
    history: list[dict]
    cancelled: bool = False


class TrainingCancelled(Exception):
    """Training was cancelled; the previous model is untouched."""


class TrainingError(ValueError):
    """Training cannot start or go on (message says why)."""
