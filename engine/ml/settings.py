"""What a training run is asked to do: epochs, batches, learning rate, keys, the model's size."""

from __future__ import annotations

from dataclasses import dataclass, field

from .card import NEW_MODEL_KEYS
from .model import ModelConfig


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 30
    batch_size: int = 32
    learning_rate: float | None = None  # None: the engine's rate for the kind of training,
    # SCRATCH_RATE from scratch, fine_tune_rate x that for a fine-tune (see ``schedule.peak_rate``);
    # a number is used as given
    patience: int = 3  # epochs without a better validation loss before stopping
    fine_tune_rate: float = 0.25  # a fine-tune's default rate, as a share of SCRATCH_RATE
    warmup_steps: int = 60  # a fine-tune's rate rises linearly over its first steps
    min_delta: float = 1e-3
    val_fraction: float = 0.1
    seed: int = 1
    keys: str = NEW_MODEL_KEYS  # "normalise" or "augment" (see ``card``; a fine-tune keeps its base's)
    max_train_tokens: int | None = None  # cap per epoch (for quick runs and tests)
    infill_share: float = 0.25  # training pieces also given as fill-in-the-middle, per epoch
    config: ModelConfig = field(default_factory=ModelConfig)
