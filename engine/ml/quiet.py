"""TensorFlow's start-up without its harmless noise on the terminal.

On a machine without a GPU, importing TensorFlow and running its first step prints lines
like ``Could not find cuda drivers on your machine, GPU will not be used``, ``failed call to
cuInit``, ``Unable to register cuDNN factory``, ``oneDNN custom operations are on`` and
``oneDNN supports DT_BOOL only on platforms with AVX-512``: nothing is wrong, training runs
on the CPU. Since TensorFlow logs through absl before absl is initialised, those lines go
straight to file descriptor 2 and ``TF_CPP_MIN_LOG_LEVEL`` no longer hides them (it is still
set to 2, when the user has not set it, for the messages that honour it; at 2 or more the
Python ``tensorflow`` logger shows errors only, so a second training in one session does not
warn that batches of new lengths 'triggered tf.function retracing').

``StartupQuiet`` points descriptor 2 at a temporary file while TensorFlow starts (from the
import to the first progress report of a run) and then writes back every captured line but
the known-harmless ones: other threads' messages in that window arrive a few seconds late,
never lost (unless the process dies inside the window).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable
from typing import Any

# Lines TensorFlow prints while starting on a machine without a GPU (or with one): each says
# how it runs, none is a fault of the user's.
HARMLESS = re.compile(
    "|".join(
        (
            r"All log messages before absl::InitializeLog\(\) is called are written to STDERR",
            r"Could not find cuda drivers on your machine",
            r"failed call to cuInit",
            r"Unable to register cu(DNN|FFT|BLAS) factory",
            r"computation placer already registered",
            r"oneDNN custom operations are on",
            r"oneDNN supports DT_BOOL only on platforms with AVX-512",
            r"This TensorFlow binary is optimized to use available CPU instructions",
            r"To enable the following instructions: .*rebuild TensorFlow",
            r"TF-TRT Warning: Could not find TensorRT",
            r"successful NUMA node read from SysFS",
            r"Created device /job:localhost/replica:0/task:0/device:GPU",
        )
    )
)

_lock = threading.Lock()  # one capture at a time: descriptor 2 is the process's
_imported = False
KERAS_NUMPY2 = r"__array__ implementation doesn't accept a copy keyword"


def quiet_log_level() -> None:
    """TF_CPP_MIN_LOG_LEVEL=2 (errors only) unless the user chose a level."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def kept_lines(text: str) -> str:
    """The captured text without TensorFlow's known-harmless start-up lines."""
    return "".join(line for line in text.splitlines(keepends=True) if not HARMLESS.search(line))


class StartupQuiet:
    """Descriptor 2 captured from ``start`` to ``stop`` (idempotent; a second capture while
    one runs captures nothing), the kept lines written back at ``stop``."""

    def __init__(self) -> None:
        self._saved: int | None = None
        self._file: Any = None

    def start(self) -> StartupQuiet:
        quiet_log_level()
        if not _lock.acquire(blocking=False):
            return self
        try:
            sys.stderr.flush()
            self._file = tempfile.TemporaryFile()
            self._saved = os.dup(2)
            os.dup2(self._file.fileno(), 2)
        except (OSError, ValueError, AttributeError):
            self._release()
        return self

    def stop(self) -> None:
        if self._saved is None:
            return
        try:
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):
            pass
        os.dup2(self._saved, 2)
        self._file.seek(0)
        kept = kept_lines(self._file.read().decode("utf-8", "replace"))
        self._release()
        if kept:
            os.write(2, kept.encode("utf-8", "replace"))

    def _release(self) -> None:
        if self._saved is not None:
            os.close(self._saved)
        if self._file is not None:
            self._file.close()
        self._saved, self._file = None, None
        _lock.release()

    def until_first(self, callback: Callable | None) -> Callable | None:
        """``callback`` that stops the capture first, the first time it is called (a run's
        first progress report: TensorFlow has started)."""
        if callback is None:
            return None

        def reported(*args, **kwargs):
            self.stop()
            return callback(*args, **kwargs)

        return reported

    def __enter__(self) -> StartupQuiet:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


def import_tensorflow():
    """``import tensorflow``, its start-up lines hidden the first time (see the module), and
    Keras's harmless NumPy-2 warning filtered (again at each call: a test runner puts the
    filters back after each test)."""
    global _imported
    if not _imported:
        with StartupQuiet():
            import tensorflow as tf

            tf.config.list_physical_devices()  # probes CUDA now, inside the quiet window
        _imported = True
        if os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") >= "2":  # errors only, Python's log too
            logging.getLogger("tensorflow").setLevel(logging.ERROR)  # 'triggered tf.function retracing'
    import tensorflow as tf

    # Keras 3 reads TensorFlow variables with np.array(x), which NumPy 2 warns about on every
    # save (TensorFlow's __array__ takes no copy keyword): nothing to do on our side
    warnings.filterwarnings("ignore", KERAS_NUMPY2, DeprecationWarning, r"keras\.")
    return tf


__all__ = ["HARMLESS", "StartupQuiet", "import_tensorflow", "kept_lines", "quiet_log_level"]
