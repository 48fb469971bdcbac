"""Publish weights trained by tools/train_portable.py as a Songsketch model folder, with the
model card and the originality index, exactly as `main.py train` would.

    python tools/import_weights.py best.weights.h5 OUT_FOLDER history.json [more-history.json ...]

Several histories are runs that continued one another (e.g. on a GPU, then here with --init);
they are joined in order in the card.
"""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from songsketch.engine.ml.card import ModelCard, complete_voicing_styles, key_counts
from songsketch.engine.ml.model import ModelConfig, build_model
from songsketch.engine.ml.publish import publish
from songsketch.engine.ml.settings import TrainSettings
from tools import corpora

REPRODUCE = [
    "git worktree add ../previous 2c45fe5  # the lead-sheet + chorale default model (runs 1-3)",
    "python tools/export_pieces.py pieces.npz --copies 1 --chorale-copies 1 --pop-copies 1 "
    "--infill-share 0.5",
    "python tools/train_portable.py pieces.npz run4 --units 192 --layers 2 --lr 1e-3 --epochs 60 "
    "--patience 3 --minutes 100 --init-model ../previous/resources/default_model",
    "python tools/train_portable.py pieces.npz run5 --units 192 --layers 2 --lr 3e-4 --epochs 3 "
    "--patience 2 --minutes 12 --init run4/best.weights.h5",
    "python tools/import_weights.py run5/best.weights.h5 resources/default_model prev_run1.json "
    "prev_run2.json prev_run3.json run4/history.json run5/history.json",
    "python tools/calibrate_repeats.py resources/default_model",
]


def main() -> None:
    weights, out = sys.argv[1], Path(sys.argv[2])
    import keras
    import tensorflow as tf

    runs = [json.loads(Path(p).read_text()) for p in sys.argv[3:]]
    raw = runs[0]
    history, seconds = [], 0.0
    for n, run in enumerate(runs):
        for h in run["history"]:
            history.append(
                dict(h, epoch=len(history) + 1, run=n + 1, seconds=round(seconds + h.get("seconds", 0), 1))
            )
        seconds = history[-1]["seconds"]
    # the weights file holds the last run's last improvement (train_portable saves only
    # when validation loss drops by more than 1e-3), which may not be its lowest figure
    best_loss, best = float("inf"), {}
    for h in history:
        if h["run"] == len(runs) and h["val_loss"] < best_loss - 1e-3:
            best_loss, best = h["val_loss"], h
    config = ModelConfig(units=raw.get("units", 256), layers=raw.get("layers", 2))
    model = build_model(config)
    model.load_weights(weights)
    settings = TrainSettings()
    corpus = corpora.load()
    train_songs, val_songs = corpora.split(corpus.songs)
    per_style = {
        style: {
            "train_songs": sum(1 for x in train_songs if x.style == style),
            "validation_songs": sum(1 for x in val_songs if x.style == style),
        }
        for style in ("pop", "song", "chorale")
    }
    card = ModelCard(
        name="default",
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        base="scratch",
        data={
            "source": corpora.SOURCE,
            "files_used": corpus.used,
            "files_skipped": corpus.skipped,
            "train_songs": len(train_songs),
            "validation_songs": len(val_songs),
            "validation_song_names": [s.name for s in val_songs],
            "per_style": per_style,
            "train_tokens_per_epoch": history[-1]["tokens"],
            "pieces": "verse+chorus pairs of sections (at most 16 bars each), key-normalised to "
            "C major / A minor, tempo-jittered, one copy of each style per epoch, half of them also "
            "as fill-in-the-middle (a span of 1-8 bars written after the rest)",
        },
        styles=("pop", "song", "chorale"),
        complete_voicings=complete_voicing_styles(train_songs),
        key_counts=key_counts(train_songs),
        settings={k: v for k, v in asdict(settings).items() if k != "config"}
        | {"epochs": 80, "patience": 4, "bucketed_lengths": True},
        architecture=asdict(config),
        epochs_run=len(history),
        best_epoch=best["epoch"],
        train_loss=best["loss"],
        validation_loss=best["val_loss"],
        history=tuple(history),
        seconds=history[-1].get("seconds"),
        reproduce=" && ".join(REPRODUCE),
        software={
            "trained_with": [
                f"run {n + 1}: keras {r.get('keras')} on {r.get('backend')}" for n, r in enumerate(runs)
            ],
            "published_with": f"tensorflow {tf.__version__}, keras {keras.__version__}",
            "python": platform.python_version(),
        },
        device="a 2-core CPU (Keras on TensorFlow); runs 1-3 (lead sheets and chorales) are the "
        "previous default model's, run 4 starts from its weights with the pop songs added (the new "
        "tokens' weights fresh), run 5 lowers the rate from run 4's best",
    )
    publish(out, model, card, corpus.songs)
    print(f"saved {out}: best epoch {best['epoch']}, validation loss {best['val_loss']:.4f}")


if __name__ == "__main__":
    main()
