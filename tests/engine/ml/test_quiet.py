"""TensorFlow's harmless start-up lines stay off the terminal; everything else written to
descriptor 2 meanwhile still arrives."""

import subprocess
import sys

from songsketch.engine.ml.quiet import kept_lines
from tests.helpers import ROOT

NOISE = (
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
    "I0000 00:00:1796522836.083290   15403 port.cc:153] oneDNN custom operations are on. You may see "
    "slightly different numerical results due to floating-point round-off errors.\n"
    "I0000 00:00:1796522836.083663   15403 cudart_stub.cc:31] Could not find cuda drivers on your "
    "machine, GPU will not be used.\n"
    "E0000 00:00:1796522839.440790   15403 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA "
    "error: Failed call to cuInit: UNKNOWN ERROR (303)\n"
    "E0000 00:00:1758131045.203198 3722035 cuda_dnn.cc:8579] Unable to register cuDNN factory: "
    "Attempting to register factory for plugin cuDNN when one has already been registered\n"
    "E0000 00:00:1796522840.005254   15403 util.cc:131] oneDNN supports DT_BOOL only on platforms "
    "with AVX-512. Falling back to the default Eigen-based implementation if present.\n"
)


def _python(script: str) -> subprocess.CompletedProcess:
    """``script`` run by a fresh Python in the repository root."""
    command = [sys.executable, "-c", script]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_only_the_known_harmless_lines_are_dropped():
    other = "E0000 00:00:1.0 1 op_kernel.cc:1] OOM when allocating tensor\nTraceback (most recent call):\n"
    assert kept_lines(NOISE) == ""
    assert kept_lines(NOISE + other) == other


def test_the_capture_writes_back_what_is_not_noise():
    """In a fresh process: C-level writes to descriptor 2 (as TensorFlow's are) and Python's
    own stderr inside the window; only the noise is gone, the rest arrives in order."""
    script = f"""
import os, sys
from songsketch.engine.ml.quiet import StartupQuiet
with StartupQuiet():
    os.write(2, {NOISE!r}.encode())
    print("a real problem", file=sys.stderr)
    os.write(2, b"another line\\n")
print("after", file=sys.stderr)
"""
    done = _python(script)
    assert done.returncode == 0
    assert done.stderr == "a real problem\nanother line\nafter\n"


def test_importing_tensorflow_through_the_engine_prints_nothing():
    script = "from songsketch.engine.ml.quiet import import_tensorflow\nimport_tensorflow()\nprint('ok')"
    done = _python(script)
    assert done.stdout == "ok\n"
    assert done.stderr == "", done.stderr
