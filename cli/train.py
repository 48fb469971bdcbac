"""``songsketch train``: train or fine-tune a model on a folder of songs, the progress drawn
on one line per epoch. TensorFlow is imported only when training starts."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .sources import load_corpus, resolve_model


def add_train_command(sub) -> None:
    p = sub.add_parser("train", help="train or fine-tune a model on a folder of songs")
    p.add_argument("folder", help="a folder of MIDI/MusicXML/ABC files, or 'builtin' (the built-in corpus)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--from-default",
        dest="scratch",
        action="store_false",
        help="fine-tune the --base model (what train does unless --scratch)",
    )
    mode.add_argument("--scratch", dest="scratch", action="store_true", help="train a new model")
    p.add_argument(
        "--base",
        default="default",
        metavar="NAME",
        help="the model to fine-tune (default; 'songsketch models' lists them)",
    )
    p.add_argument(
        "--out", metavar="NAME", help="the new model's name (default: the folder's name) or a folder path"
    )
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        metavar="N",
        help="at most N passes over the songs (30 from scratch, 8 for a fine-tune); training stops "
        "sooner once it stops improving",
    )
    p.add_argument(
        "--patience",
        type=int,
        default=None,
        metavar="N",
        help="stop after N passes with no gain on the songs set aside to check it (3 from scratch, "
        "2 for a fine-tune)",
    )
    p.add_argument("--seed", type=int, default=1, metavar="N", help="the same seed trains the same model (1)")
    expert = p.add_argument_group("for experts")
    expert.add_argument("--batch-size", type=int, default=32, metavar="N", help="pieces per step (32)")
    expert.add_argument(
        "--lr",
        type=float,
        default=None,
        metavar="RATE",
        help="learning rate (default: the engine's for a fine-tune or a new model)",
    )
    expert.add_argument(
        "--embed", type=int, default=128, metavar="N", help="with --scratch: token embedding (128)"
    )
    expert.add_argument(
        "--units", type=int, default=192, metavar="N", help="with --scratch: LSTM units a layer (192)"
    )
    expert.add_argument("--layers", type=int, default=2, metavar="N", help="with --scratch: LSTM layers (2)")
    p.set_defaults(func=train_command, scratch=False)


def train_command(args: argparse.Namespace) -> int:
    """Read the songs, train, say where the model was saved; the exit status."""
    from songsketch.engine.api import Home, ModelError, TrainingCancelled, TrainingError, music_amount, train

    base = None if args.scratch else resolve_model(args.base)  # a wrong name said before the songs are read
    corpus = load_corpus(None if args.folder == "builtin" else args.folder, Home.from_environment().cache)
    if corpus is None:
        return 2
    for report in corpus.reports:
        if not report.used:
            print(f"skipped  {report.path}: {report.reason}")
    print(f"used {corpus.used}, skipped {corpus.skipped} ({corpus.seconds:.1f} s)")
    if len(corpus.songs) < 2:
        print("error: need at least 2 usable songs to train", file=sys.stderr)
        return 1
    amount = music_amount(corpus.songs)
    print(f"the folder holds {amount.describe()}")
    if amount.expectation():
        print(amount.expectation())
    name, out_dir = _model_name_and_folder(args)
    settings = _settings(args)
    print(f"training {'from scratch' if args.scratch else 'from ' + base.name} -> {out_dir}")
    try:
        result = train(
            corpus.songs,
            out_dir,
            settings,
            base_model=base,
            name=name,
            progress=_show_progress,
            data_note={"source": args.folder, "files_used": corpus.used, "files_skipped": corpus.skipped},
            reproduce="songsketch train " + " ".join(sys.argv[2:]),
        )
    except TrainingCancelled as exc:
        print(f"\n{exc}")
        return 130
    except (TrainingError, ModelError) as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"\nerror: cannot save the model: {exc.strerror or exc}; the previous model is unchanged",
            file=sys.stderr,
        )
        return 1
    card = result.card
    print(
        f"saved {result.folder}: {card.epochs_run} epochs, best epoch {card.best_epoch}, "
        f"validation loss {card.validation_loss:.4f}, {card.seconds:.0f} s"
    )
    model = name if result.folder == Home.from_environment().models / name else str(result.folder)
    _say_outcome(card, model, args.folder)
    return 0


def _say_outcome(card, model: str, folder: str) -> None:
    """Whether the new model fits the folder's held-out songs better than its base, the style
    it learnt the songs as, whether it was still improving, and what to do with it: a model
    no better than its base is kept, but not the one to use."""
    from songsketch.engine.api import beats_base, outcome_words, still_improving, style_words

    for words in (outcome_words(card), style_words(card)):
        if words:
            print(words)
    if still_improving(card):
        print(
            f"It was still getting better at its last pass; to train on from it: "
            f"songsketch train {shlex.quote(folder)} --base {shlex.quote(model)}"
        )
    style = card.data.get("taught_as_style")
    use = f"songsketch generate --model {shlex.quote(model)}" + (f" --style {style}" if style else "")
    if beats_base(card):
        print(f"use it: {use}")
    else:
        print(f"kept but not worth selecting; to try it anyway: {use}")


def _model_name_and_folder(args: argparse.Namespace) -> tuple[str, Path]:
    """The model's name (a safe filename of --out, or of the songs' folder) and its folder:
    --out itself when it is a path, else the name in the user's models folder."""
    from songsketch.engine.api import Home, safe_filename

    text = args.out or ("builtin" if args.folder == "builtin" else Path(args.folder).resolve().name)
    name = safe_filename(text, "model")
    if "/" in text or text.startswith("."):
        return name, Path(text)
    return name, Home.from_environment().models / name


def _settings(args: argparse.Namespace):
    from songsketch.engine.api import ModelConfig, TrainSettings

    return TrainSettings(
        epochs=args.epochs,  # None (epochs, patience, rate): the engine's for the kind of run
        batch_size=args.batch_size,
        learning_rate=args.lr,
        patience=args.patience,
        seed=args.seed,
        config=ModelConfig(embed_dim=args.embed, units=args.units, layers=args.layers),
    )


def _show_progress(p) -> None:
    """A bar redrawn in place through an epoch, then the epoch's losses on a line of its own:
    the mean surprise (nats a token, lower is better) at the songs it learns from and at the
    songs set aside to check it; before the first pass, a fine-tune's base on the set-aside
    songs."""
    width = 30
    if p.epoch == 0 and p.val_loss is not None:
        print(f"before training: surprise at the songs set aside {p.val_loss:.4f} ({p.message})", flush=True)
    elif p.val_loss is None:
        done = int(width * p.batch / max(1, p.batches))
        eta = f" eta {p.eta_seconds:5.0f}s" if p.eta_seconds is not None else ""
        line = f"\repoch {p.epoch:>2}/{p.epochs} [{'#' * done}{'.' * (width - done)}] loss {p.loss:.3f}{eta}"
        print(line, end="", flush=True)
    else:
        print(
            f"\repoch {p.epoch:>2}/{p.epochs} surprise {p.loss:.4f}, at the songs set aside"
            f" {p.val_loss:.4f}  {p.message}" + " " * 20,
            flush=True,
        )
