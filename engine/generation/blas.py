"""NumPy's BLAS on one thread while decoding (the setting is process-wide, so shared).

A decoding step's matrices are small: a second BLAS thread only waits for a core that the
GUI, the synth or another program holds (16 ideas took 1.2 s instead of 0.33 s with one core
busy elsewhere).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController

_blas: ThreadpoolController | None = None
_blas_lock = threading.Lock()
_blas_users = 0
_blas_limit = None  # the active limit: entered by the first decoder, left by the last


@contextmanager
def one_blas_thread():
    """A context in which NumPy's BLAS uses a single thread. The setting is process-wide, so
    decoders on several threads share one limit: the first in sets it, the last out restores
    what was there before."""
    global _blas, _blas_users, _blas_limit
    with _blas_lock:
        if _blas_users == 0:
            # looked up afresh: a BLAS loaded since (SciPy's, by Keras or librosa) is limited too
            _blas = ThreadpoolController()
            _blas_limit = _blas.limit(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limit.restore_original_limits()
                _blas_limit = None
