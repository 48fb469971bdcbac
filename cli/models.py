"""``songsketch models``: the models ``--model`` can name and what each learnt, and the
refusal of a name no model has (which lists them, so a mistyped name is fixed at once)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAMES_SAID = 12  # a refusal names this many models, then says how many more there are


class UnknownModel(Exception):
    """A --model or --base name that is neither a model of the user's nor a model folder."""


def known_models() -> list[tuple[str, Path]]:
    """(name, folder) of every model a command can use: the default first, then the user's
    (newest first), as the window's Model box lists them."""
    from songsketch.engine.api import Home, default_model_dir, list_models

    return [("default", default_model_dir()), *list_models(Home.from_environment().models)]


def unknown_model(name: str) -> UnknownModel:
    """The refusal of ``name``: the names there are, and where to read what each learnt."""
    names = [n for n, _ in known_models()]
    more = len(names) - NAMES_SAID
    listed = ", ".join(names[:NAMES_SAID]) + (f" and {more} more" if more > 0 else "")
    return UnknownModel(
        f"no model called {name!r}; the models are: {listed} ('songsketch models' says what each learnt)"
    )


def describe(name: str, folder: Path) -> str:
    """One line of what a model is: where it came from, what it learnt, whether it is worth
    selecting (a fine-tune no better than its base is kept but not worth it)."""
    from songsketch.engine.api import ModelError, beats_base, read_card

    try:
        card = read_card(folder)
    except ModelError as exc:
        return f"cannot be read: {exc}"
    songs = card.data.get("files_used") or card.data.get("train_songs")
    base_name = card.base.removeprefix("fine-tuned from ").replace("default_model", "default")
    origin = "trained from scratch" if card.base == "scratch" else f"fine-tuned from {base_name}"
    origin = "ships with Songsketch" if name == "default" else origin
    source = card.data.get("source") if name != "default" else None
    learnt = f"{songs} songs" if songs else "songs"
    learnt += f" of {source}" if source else ""
    taught = card.data.get("taught_as_style") if name != "default" else None
    kept = [s for s in card.styles if s != taught]
    if taught:
        words = f"{origin}; learnt {learnt} in the {taught} style"
        if kept:
            words += f" (its {_listed(kept)} style{'s' if len(kept) > 1 else ''} as {base_name} learnt them)"
    else:
        plural = "s" if len(card.styles) > 1 else ""
        words = f"{origin}; learnt the {_listed(card.styles)} style{plural} from {learnt}"
    if name != "default" and card.created:
        words += f", {card.created[:10]}"
    if not beats_base(card):
        words += f"; did no better than {base_name} on songs set aside to check it"
    return words


def _listed(styles: list[str]) -> str:
    """'pop', 'pop and song', 'pop, song and chorale'."""
    return styles[0] if len(styles) == 1 else f"{', '.join(styles[:-1])} and {styles[-1]}"


def models_command(args: argparse.Namespace) -> int:
    """Print each model's name and what it is, and how to use one."""
    from songsketch.engine.api import Home

    models = known_models()
    width = max(len(name) for name, _ in models)
    for name, folder in models:
        print(f"{name:<{width}}  {describe(name, folder)}")
    if len(models) == 1:
        print(f"(models you train with 'songsketch train' are kept in {Home.from_environment().models})")
    print("use one: songsketch generate --model NAME")
    return 0


def add_models_command(sub) -> None:
    p = sub.add_parser("models", help="the models --model can name, and what each learnt")
    p.set_defaults(func=models_command)
