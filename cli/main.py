"""Command line: corpus-stats, convert, generate, models, train, evaluate.

Nothing here imports TensorFlow at module level, so ``--help`` and the corpus commands
answer at once; the commands that need a model import it when they run.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path


def _corpus_stats(args: argparse.Namespace) -> int:
    from songsketch.engine.api import Home

    from .sources import load_corpus

    corpus = load_corpus(args.folder or None, None if args.no_cache else Home.from_environment().cache)
    if corpus is None:
        return 2
    keys, meters, chords = Counter(), Counter(), Counter()
    bars = notes = 0
    for song in corpus.songs:
        for idea in song.ideas:
            keys[idea.key.name] += 1
            meters[f"{idea.meter[0]}/{idea.meter[1]}"] += 1
            chords.update(c.symbol(idea.key.spelling) for c in idea.chords)
        bars += song.bars
        notes += song.notes
        if not args.quiet:
            first = song.ideas[0]
            sections = " ".join(f"{s.name[0].upper()}{s.bars}" for s in first.sections)
            print(
                f"used     {song.name:<28} {song.bars:>4} bars  {first.key.name:<4} "
                f"{first.meter[0]}/{first.meter[1]}  {sections:<16} {' '.join(first.chord_symbols()[:8])}"
            )
    for report in corpus.reports:
        if not report.used:
            print(f"skipped  {report.path}: {report.reason}")
    print()
    print(f"songs: {len(corpus.songs)}  bars: {bars}  notes: {notes}")
    print(f"keys: {', '.join(f'{k} {n}' for k, n in keys.most_common())}")
    print(f"meters: {', '.join(f'{k} {n}' for k, n in meters.most_common())}")
    print(
        f"chord vocabulary: {len(chords)} symbols; most used: "
        f"{', '.join(f'{k} {n}' for k, n in chords.most_common(24))}"
    )
    print(f"loaded in {corpus.seconds:.2f} s ({corpus.parsed} files parsed, {corpus.cached} from cache)")
    print(f"used {corpus.used}, skipped {corpus.skipped}")
    if not corpus.songs:
        print("error: no usable songs (see the reasons above)", file=sys.stderr)
        return 1
    return 0


def _convert(args: argparse.Namespace) -> int:
    from songsketch.engine.api import AUDIO_SUFFIXES, analyse_path, hear_sung_file, write_midi, write_musicxml

    if Path(args.output).suffix.lower() not in (".mid", ".midi", ".musicxml", ".xml"):
        print(f"error: {args.output}: name a .mid (MIDI) or .musicxml (lead sheet) to write", file=sys.stderr)
        return 2
    if Path(args.input).is_dir():
        said = f"error: {args.input} is a folder; convert reads one file (corpus-stats, a folder)"
        print(said, file=sys.stderr)
        return 2
    try:
        sung = Path(args.input).suffix.lower() in AUDIO_SUFFIXES
        heard = hear_sung_file(args.input) if sung else analyse_path(args.input)
    except ValueError as exc:
        print(f"error: {args.input}: {exc}", file=sys.stderr)
        return 1
    for remark in heard.remarks:
        print(f"{args.input}: {remark}")
    ideas = heard.ideas
    out = Path(args.output)
    for i, idea in enumerate(ideas):
        target = out if i == 0 else out.with_name(f"{out.stem}-{i + 1}{out.suffix}")
        try:
            if target.suffix.lower() in (".musicxml", ".xml"):
                write_musicxml(idea, target)
            else:
                write_midi(idea, target)
        except Exception as exc:  # OSError (disk), or music21 refusing a lead sheet
            print(f"error: cannot write {target}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            return 1
        sections = ", ".join(f"{s.name} {s.bars} bar{'s' if s.bars != 1 else ''}" for s in idea.sections)
        print(
            f"{target}: {idea.key.long_name}, {idea.tempo} bpm, {idea.meter[0]}/{idea.meter[1]}, "
            f"{sections}; {len(idea.chords)} chords, {len(idea.melody)} melody notes"
        )
        print(f"  chords: {' '.join(idea.chord_symbols()) or 'none (a melody alone)'}")
    return 0


class _CommandParser(argparse.ArgumentParser):
    """A command's parser whose refusal is a one-line usage, the reason, and where to read
    more: argparse's own usage lists every option (17 lines for generate) above the reason."""

    def error(self, message: str):
        needed = " ".join(a.metavar or a.dest for a in self._actions if not a.option_strings)
        self.exit(
            2,
            f"usage: {self.prog} [options] {needed}".rstrip()
            + f"\n{self.prog}: error: {message}\n  ({self.prog} --help says what each option takes)\n",
        )


class _TopParser(argparse.ArgumentParser):
    """The ``songsketch`` parser: a word that is no command is said with the commands there
    are and the one likely meant (argparse quotes its list of choices only)."""

    commands: tuple[str, ...] = ()

    def error(self, message: str):
        import difflib
        import re

        chosen = re.search(r"invalid choice: '([^']*)'", message)
        if not chosen:
            super().error(message)
        word = chosen[1]
        meant = [c for c in self.commands if c.startswith(word)] or difflib.get_close_matches(
            word, self.commands
        )
        if word == "help":
            hint = "; 'songsketch --help' says what each does"
        elif meant:
            hint = f"; did you mean {meant[0]}?"
        elif not word.isalpha():  # the value of an option given before any command
            hint = "; options go after the command (songsketch generate -n 4)"
        else:
            hint = ""
        self.exit(
            2, f"songsketch: {word!r} is not a command{hint}\n  the commands: {', '.join(self.commands)}\n"
        )


def build_parser() -> argparse.ArgumentParser:
    parser = _TopParser(
        prog="songsketch",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Songsketch: chord + melody idea generator. Without a command, the desktop app opens.",
        epilog="'songsketch COMMAND --help' says what a command takes; try: songsketch generate -n 4",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_CommandParser, metavar="COMMAND")

    from .evaluate import add_evaluate_command
    from .generate_options import add_generate_command
    from .models import add_models_command
    from .train import add_train_command

    add_generate_command(sub)
    add_models_command(sub)

    p = sub.add_parser("corpus-stats", help="songs used/skipped, bars, notes, chords, keys of a corpus")
    p.add_argument(
        "folder", nargs="?", help="a folder of MIDI/MusicXML/ABC files (default: the built-in corpus)"
    )
    p.add_argument("--no-cache", action="store_true", help="parse every file again")
    p.add_argument("--quiet", "-q", action="store_true", help="only skipped files and the summary")
    p.set_defaults(func=_corpus_stats)

    p = sub.add_parser(
        "convert",
        help="read a MIDI, MusicXML, ABC or sung WAV/FLAC/OGG file as Songsketch hears it and write "
        "it as an idea (an output ending in .musicxml is a lead sheet)",
    )
    p.add_argument(
        "input",
        help="any file a training folder may hold: .mid, .musicxml/.mxl, .abc, .krn; or a melody "
        "sung or hummed alone, .wav/.flac/.ogg (a melody with no chords)",
    )
    p.add_argument("output", help="OUT.mid, or OUT.musicxml for a MusicXML lead sheet")
    p.set_defaults(func=_convert)

    add_train_command(sub)
    add_evaluate_command(sub)
    parser.commands = tuple(sub.choices)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from .models import UnknownModel

    try:
        return int(args.func(args) or 0)
    except UnknownModel as exc:  # --model or --base: named before any work, the names listed
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
