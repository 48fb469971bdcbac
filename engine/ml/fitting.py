"""Keras at work: one epoch of fitting (warm-up, progress with the time left, cancel between
steps) and the validation loss."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

from .dataset import Batch
from .reports import ProgressCallback, TrainingCancelled, TrainProgress
from .schedule import BatchClock, Warmup

CANCELLED = "training cancelled; the previous model is unchanged"


def as_dataset(batches: Sequence[Batch]):
    """The batches as a ``tf.data.Dataset`` (prefetched)."""
    import tensorflow as tf

    def gen():
        yield from batches

    spec = tf.TensorSpec((None, None), tf.int32)
    return tf.data.Dataset.from_generator(gen, output_signature=(spec, spec)).prefetch(2)


def evaluate(model, batches: Sequence[Batch]) -> float:
    """The mean token cross-entropy of the batches."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ran out of data.*")
        return float(model.evaluate(as_dataset(batches), verbose=0))


def fit_epoch(
    model,
    batches: Sequence[Batch],
    epoch: int,
    epochs: int,
    warmup: Warmup | None,
    clock: BatchClock,
    progress: ProgressCallback | None,
    cancel: Callable[[], bool] | None,
) -> float:
    """Fit one epoch (``epoch`` of ``epochs``, 1-based) and return its training loss. Each step
    takes the warm-up's rate, each batch is reported with the time left; raises
    TrainingCancelled after the batch during which ``cancel()`` became true."""
    import keras

    class Steps(keras.callbacks.Callback):
        cancelled = False

        def on_train_batch_begin(self, batch, logs=None):
            rate = warmup.next_rate() if warmup is not None else None
            if rate is not None:
                self.model.optimizer.learning_rate.assign(rate)

        def on_train_batch_end(self, batch, logs=None):
            clock.lap()
            if progress is not None:
                left = (len(batches) - batch - 1) + (epochs - epoch) * len(batches)
                loss = float((logs or {}).get("loss", float("nan")))
                progress(TrainProgress(epoch, epochs, batch + 1, len(batches), loss, None, clock.eta(left)))
            if cancel is not None and cancel():
                self.cancelled = True
                self.model.stop_training = True

    steps = Steps()
    clock.start()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*ran out of data.*")
        fit = model.fit(as_dataset(batches), epochs=1, verbose=0, shuffle=False, callbacks=[steps])
    if steps.cancelled:
        raise TrainingCancelled(CANCELLED)
    return float(fit.history["loss"][-1])
