"""The arguments of ``songsketch generate``: what each means, and the checks argparse can make
alone (a key, a tempo, a meter). The checks that need a file or each other are in generate.py."""

from __future__ import annotations

import argparse

from .generate import generate


def _key_arg(text: str):
    from songsketch.engine.api import Key

    if text.lower() == "auto":
        return None
    try:
        return Key.parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a key: {text!r} (try C, Am, F#m, 'Bb major')") from None


def _tempo_arg(text: str):
    from songsketch.engine.api import TEMPO_RANGE

    if text.lower() == "auto":
        return None
    low, high = TEMPO_RANGE
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a tempo: {text!r} (bpm, {low}-{high}, or auto)") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"tempo must be {low}-{high} bpm")
    return value


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


MAX_TEMPERATURE = 2.5  # the window's Wildness goes to 1.8


def _temperature_arg(text: str) -> float:
    """--temperature: above 0 (at 0 or below every draw is the likeliest, a known song's), at
    most MAX_TEMPERATURE (beyond, the draws are noise: at 50, chords like Ab/C Gbmaj7/Bb C6)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is too low; above 0 (0.3 plain, 0.9 usual, 1.8 wild)")
    if value > MAX_TEMPERATURE:
        raise argparse.ArgumentTypeError(
            f"{text} is too high; at most {MAX_TEMPERATURE:g} (0.3 plain, 0.9 usual, 1.8 wild)"
        )
    return value


def _top_p_arg(text: str) -> float:
    """--top-p: a share of the likeliest choices, above 0 and at most 1."""
    value = _number(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share; above 0 and at most 1 (0.95 usual)")
    return value


def _seed_arg(text: str) -> int:
    value = _whole_number(text, "a seed (a whole number)")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is below 0; a seed is 0 or more")
    return value


def _primer_bars_arg(text: str) -> int:
    value = _whole_number(text, "a number of bars")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too few; keep 1 bar or more of the primer")
    return value


def _guard_arg(text: str) -> int:
    """--guard: 0 (off) or more melody notes."""
    value = _whole_number(text, "a number of notes")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is below 0; 0 turns the guard off, 7 is usual")
    return value


def _meter_arg(text: str):
    from songsketch.engine.api import METERS

    try:
        num, den = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a meter: {text!r} (try 4/4, 3/4, 6/8)") from None
    if (num, den) not in METERS:
        raise argparse.ArgumentTypeError(f"meter must be one of {', '.join(f'{a}/{b}' for a, b in METERS)}")
    return (num, den)


def _whole_number(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def _count_arg(text: str) -> int:
    """--count: 1 or more ideas (0 would write nothing and look like success)."""
    value = _whole_number(text, "a number of ideas")
    if value == 0:
        raise argparse.ArgumentTypeError("0 ideas would write nothing; ask for 1 or more")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is not a number of ideas; ask for 1 or more")
    return value


def _bars_arg(text: str) -> int:
    """--bars: 1 to the longest section the model can write, said in one line (argparse's
    own refusal lists every number allowed)."""
    from songsketch.engine.api import MAX_SECTION_BARS

    value = _whole_number(text, "a number of bars")
    if value > MAX_SECTION_BARS:
        raise argparse.ArgumentTypeError(f"{value} is too many; 1 to {MAX_SECTION_BARS} bars a section")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too few; 1 to {MAX_SECTION_BARS} bars a section")
    return value


def add_generate_command(sub) -> None:
    """``songsketch generate``: its arguments in the order ``--help`` lists them."""
    p = sub.add_parser(
        "generate",
        help="write ideas as .mid files (and lead sheets, audio)",
        usage="%(prog)s [options]",
        description="Write new chord + melody ideas, each as NAME.mid in --out; with --primer or "
        "--progression, ideas from your own music.",
    )
    ideas = p.add_argument_group("the ideas")
    _add_idea_arguments(ideas)
    ideas.add_argument(
        "--guard",
        type=_guard_arg,
        default=7,
        metavar="N",
        help="replace any idea sharing more than N melody notes in a row with a song the model "
        "learnt from (7; 0: off; 8 or more in a row is a copy)",
    )
    _add_source_arguments(p.add_argument_group("from your music (one of --primer, --progression)"))
    _add_file_arguments(p.add_argument_group("files beside each .mid"))
    p.set_defaults(func=generate)


def _add_idea_arguments(p: argparse.ArgumentParser) -> None:
    """How many ideas, where they go, the model, and what the ideas are like."""
    p.add_argument("--count", "-n", type=_count_arg, default=8, metavar="N", help="how many ideas (8)")
    p.add_argument("--out", "-o", default="ideas", metavar="FOLDER", help="where the files go (ideas)")
    p.add_argument(
        "--model",
        "-m",
        default="default",
        metavar="NAME",
        help="'default', a trained model's name ('songsketch models' lists them), or a model's folder",
    )
    p.add_argument("--key", type=_key_arg, default=None, help="C, Am, F#m, ... or auto")
    p.add_argument("--tempo", type=_tempo_arg, default=None, metavar="BPM", help="bpm or auto")
    p.add_argument(
        "--meter", type=_meter_arg, default=(4, 4), help="time signature: 4/4 (default), 3/4, 6/8, ..."
    )
    p.add_argument(
        "--bars", type=_bars_arg, default=8, metavar="1-32", help="bars per section: verse and chorus (8)"
    )
    # the names of engine.generation.HARMONIC_RHYTHMS (not imported: --help stays instant)
    p.add_argument(
        "--chords",
        choices=("auto", "beat", "half", "bar"),
        default="auto",
        help="how often chords may change: as the model likes (auto), every beat, "
        "every half bar or every bar",
    )
    p.add_argument(
        "--repetition",
        choices=("less", "auto", "more"),
        default="auto",
        help="how often a bar brings back an earlier bar's rhythm or motif: less than the model "
        "likes, as it likes (auto), or more",
    )
    p.add_argument(
        "--style",
        choices=("pop", "song", "chorale"),
        default=None,
        help="today's pop, a lead-sheet song of 1880-1930, or a four-part chorale (the default "
        "model learnt all three; default: the model's own, pop for the default model)",
    )
    p.add_argument(
        "--temperature",
        "-t",
        type=_temperature_arg,
        default=0.9,
        metavar="T",
        help="wildness: 0.3 safe and plain ... 1.8 wild (0.9)",
    )
    p.add_argument(
        "--top-p",
        type=_top_p_arg,
        default=0.95,
        metavar="SHARE",
        help="draw only from the likeliest notes and chords making up this share (0.95)",
    )
    p.add_argument(
        "--seed",
        type=_seed_arg,
        default=None,
        metavar="N",
        help="a number gives the same ideas again; none: new ideas each time",
    )


def _add_source_arguments(p: argparse.ArgumentParser) -> None:
    """What the ideas start from: a primer file (continued, kept in part, or infilled) or typed chords."""
    p.add_argument(
        "--primer",
        metavar="FILE",
        help="a MIDI file (or a melody sung alone: .wav/.flac/.ogg) whose opening bars the ideas continue",
    )
    p.add_argument(
        "--keep",
        choices=("chords", "melody"),
        default=None,
        help="with --primer: keep the whole file's chords (new melodies) or melody (new chords) "
        "instead of continuing its first bars",
    )
    p.add_argument(
        "--primer-bars",
        type=_primer_bars_arg,
        default=None,
        metavar="N",
        help="with --primer: keep its first N bars (default: up to a section)",
    )
    p.add_argument(
        "--infill",
        metavar="BARS",
        help="with --primer: rewrite these bars (e.g. 5-6, or 7) and keep every other bar as it is",
    )
    p.add_argument(
        "--rewrite",
        choices=("both", "melody", "chords"),
        default="both",
        help="with --infill: what of those bars is rewritten (default: both)",
    )
    p.add_argument(
        "--progression",
        metavar="CHORDS",
        help='melodies over these chords: "Am F C G" is one chord a bar, "C G | Am F" two a bar '
        "(bars split by |); chart symbols such as Cadd9, Dm9, G7sus4, E7#9, C6/9, C/E are read "
        "as the nearest chord the model knows. The progression repeats over the verse and "
        "chorus; the key is heard from the chords (a --key they contradict is set aside)",
    )


def _add_file_arguments(p: argparse.ArgumentParser) -> None:
    """The files written beside each .mid: a lead sheet, audio and what plays it."""
    p.add_argument(
        "--musicxml",
        action="store_true",
        help="also write each idea as a MusicXML lead sheet (NAME.musicxml)",
    )
    p.add_argument(
        "--wav",
        action="store_true",
        help="also write each idea as audio (NAME.wav, 44.1 kHz stereo) played on the built-in synth",
    )
    p.add_argument(
        "--soundfont",
        metavar="FILE",
        help="with --wav: play on this .sf2/.sf3 instead of the bundled General MIDI piano set",
    )
    p.add_argument(
        "--chord-instrument",
        default=None,
        metavar="NAME",
        help="with --wav: General MIDI instrument of the chords, a name or 0-127 (piano)",
    )
    p.add_argument(
        "--melody-instrument",
        default=None,
        metavar="NAME",
        help="with --wav: instrument of the melody (piano; e.g. 'electric piano', 'flute', 'strings')",
    )
    p.add_argument(
        "--room",
        choices=("dry", "studio", "hall"),
        default=None,
        help="with --wav: the room around the instruments (studio: a little reverb, as the app plays)",
    )
