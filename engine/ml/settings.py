"""What a training run is asked to do: epochs, batches, learning rate, keys, the model's size."""

from __future__ import annotations

from dataclasses import dataclass, field

from .card import NEW_MODEL_KEYS
from .model import ModelConfig

# A fine-tune's rate as a share of the scratch rate, with a warm-up of 8 steps (one epoch of a
# 30-song folder). Measured on 30 POP909 songs (``bench.finetune``): at 0.25 with 60 steps of
# warm-up the rate peaked only in the 9th epoch and 30 epochs (381 CPU s) reached 1.857
# nats/token; at 0.5 ten epochs reach 1.873, at 1.0 the 4th epoch 1.879, the 7th 1.869, and
# the ideas of its best epoch are as often on chord tones as the 30-epoch run's (0.70).
FINE_TUNE_SHARE = 1.0


@dataclass(frozen=True)
class TrainSettings:
    epochs: int | None = None  # at most; None: the engine's for the kind of training (``schedule.for_run``)
    batch_size: int = 32
    learning_rate: float | None = None  # None: the engine's rate for the kind of training,
    # SCRATCH_RATE from scratch, fine_tune_rate x that for a fine-tune (see ``schedule.peak_rate``);
    # a number is used as given
    patience: int | None = None  # epochs without a better validation loss before stopping; None:
    # the engine's for the kind of training
    fine_tune_rate: float = FINE_TUNE_SHARE  # a fine-tune's default rate, as a share of SCRATCH_RATE
    warmup_steps: int = 8  # a fine-tune's rate rises linearly over its first steps
    min_delta: float = 1e-3
    val_fraction: float = 0.1
    seed: int = 1
    keys: str = NEW_MODEL_KEYS  # "normalise" or "augment" (see ``card``; a fine-tune keeps its base's)
    max_train_tokens: int | None = None  # cap per epoch (for quick runs and tests)
    infill_share: float = 0.25  # training pieces also given as fill-in-the-middle, per epoch
    config: ModelConfig = field(default_factory=ModelConfig)
