"""What the model benches share: the shipped model's held-out pop songs (its card's validation
songs, read from ``../shared/corpora/pop909``) and a table of measures per column."""

from __future__ import annotations

from pathlib import Path

from songsketch.engine.api import default_model_dir, load_pop909, read_card

ROOT = Path(__file__).resolve().parent.parent
POP909 = ROOT.parent / "shared" / "corpora" / "pop909"


def pop_songs(model: str | Path | None) -> tuple[Path, list, list] | None:
    """(the model folder, its held-out pop songs, every POP909 song), or None (said) when the
    corpus is not beside the project."""
    if not POP909.is_dir():
        print(f"{POP909} not found: nothing to measure")
        return None
    folder = Path(model) if model else default_model_dir()
    held = set(read_card(folder).validation_song_names)
    every = load_pop909(POP909).songs
    return folder, [s for s in every if s.name in held], every


def print_table(columns: dict[str, dict[str, float]], first: int = 28) -> None:
    """Rows of measures (named as the first column names them), a column each, 3 decimals."""
    widths = [max(10, len(c)) for c in columns]
    print(f"{'':{first}s} " + " ".join(f"{c:>{w}}" for c, w in zip(columns, widths)))
    for row in next(iter(columns.values())):
        cells = " ".join(f"{col.get(row, float('nan')):>{w}.3f}" for col, w in zip(columns.values(), widths))
        print(f"{row:{first}s} {cells}")
