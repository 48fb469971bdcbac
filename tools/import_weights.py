"""Publish weights trained by tools/train_portable.py as a Songsketch model folder, with the
model card and the originality index, exactly as `main.py train` would.

    python tools/import_weights.py best.weights.h5 history.json OUT_FOLDER
"""
from __future__ import annotations

import json
import platform
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine import paths  # noqa: E402
from engine.corpus import load_builtin  # noqa: E402
from engine.model import ModelConfig, build_model, save_model  # noqa: E402
from engine.originality import OriginalityIndex  # noqa: E402
from engine.training import TrainSettings, split_songs  # noqa: E402


def main() -> None:
    weights, history_path, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    import keras
    import tensorflow as tf
    raw = json.loads(history_path.read_text())
    history = raw["history"]
    best = min(history, key=lambda h: h["val_loss"])
    model = build_model(ModelConfig())
    model.load_weights(weights)
    settings = TrainSettings()
    corpus = load_builtin(paths.cache_dir())
    train_songs, val_songs = split_songs(corpus.songs, settings.val_fraction, settings.seed)
    card = {
        "name": "default",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "base": "scratch",
        "data": {"source": "built-in corpus: Bach chorales (soprano over alto/tenor/bass) and lead "
                           "sheets shipped inside music21", "files_used": corpus.used,
                 "files_skipped": corpus.skipped, "train_songs": len(train_songs),
                 "validation_songs": len(val_songs),
                 "validation_song_names": [s.name for s in val_songs],
                 "train_tokens_per_epoch": history[-1]["tokens"],
                 "pieces": "verse+chorus pairs of sections (at most 16 bars each), key-normalised to "
                           "C major / A minor, 4 tempo-jittered copies per epoch"},
        "settings": {k: v for k, v in asdict(settings).items() if k != "config"} | {
            "epochs": 100, "patience": 6, "bucketed_lengths": True},
        "architecture": asdict(ModelConfig()),
        "epochs_run": len(history),
        "best_epoch": best["epoch"],
        "train_loss": best["loss"],
        "validation_loss": best["val_loss"],
        "history": history,
        "seconds": history[-1].get("seconds"),
        "reproduce": ("python tools/export_pieces.py pieces.npz --copies 4 && "
                      "KERAS_BACKEND=jax python tools/train_portable.py pieces.npz out --epochs 100 "
                      "--patience 6 && python tools/import_weights.py out/best.weights.h5 "
                      "out/history.json resources/default_model   "
                      "(CPU only: python main.py train builtin --scratch --out resources/default_model "
                      "--epochs 40 --patience 4)"),
        "software": {"trained_with": f"keras {raw.get('keras')} on {raw.get('backend')}",
                     "published_with": f"tensorflow {tf.__version__}, keras {keras.__version__}",
                     "python": platform.python_version()},
        "device": "NVIDIA H100 (JAX backend)",
    }
    index = OriginalityIndex.build(corpus.songs)
    save_model(out, model, card, {"index": index.to_bytes()})
    print(f"saved {out}: best epoch {best['epoch']}, validation loss {best['val_loss']:.4f}")


if __name__ == "__main__":
    main()
