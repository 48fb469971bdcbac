"""What a user of the window waits for, measured on the real window (offscreen here).

    QT_QPA_PLATFORM=offscreen python -m bench.app [--repeats 5]

Rows: time to the window, time to a loaded model, and Generate of 16 ideas (2 x 8 bars,
originality guard on, as the app starts) until the list holds them all and until the first
one shows, with the longest stall of a 10 ms timer on the GUI thread meanwhile. Baseline
measured in the same run: the engine alone generating the same ideas (no window, no
library, no guard), so the ratio is what the app adds.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.app")
    parser.add_argument("--repeats", type=int, default=5, help="Generate runs (seeds 1..N)")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from songsketch.engine.common import paths
    from songsketch.engine.data.library import Library
    from songsketch.engine.generation.generator import GenerationSettings
    from songsketch.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    home = Path(tempfile.mkdtemp(prefix="songsketch-bench-"))
    window = MainWindow(
        Library(home / "library.sqlite"),
        paths.default_model_dir(),
        home / "models",
        home / "cache",
        QSettings(str(home / "settings.ini"), QSettings.IniFormat),
    )
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    shown_s = time.perf_counter() - START
    while not window.model_ready:
        app.processEvents()
        time.sleep(0.005)
    ready_s = time.perf_counter() - START

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()

    window.panel.count.setValue(16)
    window.panel.bars.setValue(8)
    totals, firsts, stalls = [], [], []
    for seed in range(1, args.repeats + 1):
        window.panel.seed.setValue(seed)
        ticks.clear()
        t0 = time.perf_counter()
        first = None
        window.generate()
        while window.generating:
            app.processEvents()
            if first is None and window.streamed > 0:  # counts this run's ideas
                first = time.perf_counter() - t0
            time.sleep(0.001)
        totals.append(time.perf_counter() - t0)
        firsts.append(first if first is not None else totals[-1])
        marks = [t0] + ticks + [time.perf_counter()]
        stalls.append(max(b - a for a, b in zip(marks, marks[1:])))
        if os.environ.get("BENCH_DEBUG"):
            gaps = [round((b - a) * 1000) for a, b in zip(marks, marks[1:])]
            print(seed, "gaps ms", gaps)
    timer.stop()

    # baseline in the same process: the engine alone, the same settings and seeds
    engine = window.worker.engine
    alone = []
    for seed in range(1, args.repeats + 1):
        t0 = time.perf_counter()
        engine.generate(GenerationSettings(count=16, bars_per_section=8, seed=seed), guard=None)
        alone.append(time.perf_counter() - t0)

    med = statistics.median
    rows = [
        ("window shown after start (s)", shown_s, None),
        ("model ready after start (s)", ready_s, None),
        (f"Generate 16 ideas, all in the list (s, median of {args.repeats})", med(totals), med(alone)),
        ("Generate 16 ideas, all in the list (s, best)", min(totals), min(alone)),
        ("first idea in the list (s, median)", med(firsts), None),
        ("longest GUI stall while generating (ms)", max(stalls) * 1000, None),
    ]
    print(
        f"\nSongsketch app benchmark ({os.cpu_count()} CPUs, Qt platform "
        f"{os.environ['QT_QPA_PLATFORM']}; baseline: the engine alone, no window, library or guard)\n"
    )
    print(f"{'metric':<58} {'app':>8} {'engine':>8} {'app/engine':>11}")
    for name, ours, base in rows:
        base_text = f"{base:>8.2f}" if base is not None else f"{'':>8}"
        ratio = f"{ours / base:>11.2f}" if base else f"{'':>11}"
        print(f"{name:<58} {ours:>8.2f} {base_text} {ratio}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
