"""``songsketch generate``: every argument checked, then the model loaded, then each idea
written as it comes (NAME.mid, and a lead sheet and audio when asked).

The arguments are checked first so that a wrong one is refused at once, not after the
seconds the model takes to load. The engine is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from .sources import resolve_model


class Refused(Exception):
    """What the command cannot do as asked: said after ``error:``, ``code`` the exit status."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def generate(args: argparse.Namespace) -> int:
    """Check every argument, load the model, write the ideas; the exit status (1 when fewer
    ideas than asked were written)."""
    try:
        instruments, font = _audio(args)
        request = _request(args)
        if Path(args.out).is_file():
            raise Refused(2, f"--out {args.out} is a file; name a folder for the ideas")
        engine, load_s = _load_model(args)
        out = _out_folder(Path(args.out))
    except Refused as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return refusal.code
    files = IdeaFiles(out, args.musicxml, instruments, font)
    t1 = time.perf_counter()
    try:
        summary = engine.run(request, on_idea=files.write)
    except ValueError as exc:  # a request this model cannot carry out (the reason says why)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    gen_s = time.perf_counter() - t1
    # the files written, named as the summary names what was made ("3 melodies over your chords")
    made = str(replace(summary, shown=files.written, redrawn=0, asked=0, remark=""))
    also = "".join(f"; {r}" for r in summary.remarks())
    print(f"{made} in {gen_s:.2f} s (model loaded in {load_s:.1f} s){also}")
    return 0 if files.written == args.count else 1


def _audio(args: argparse.Namespace):
    """(instruments, SoundFont) of --wav, the font's samples read; (None, None) without --wav.
    The font may be None: the plain tone, the reason said."""
    from songsketch.engine.api import DEFAULT_ROOM, GM_NAMES, Instruments, SoundFontError, program_number

    if not args.wav:
        if args.soundfont or args.chord_instrument or args.melody_instrument or args.room:
            raise Refused(2, "--soundfont, the instruments and --room are for --wav")
        return None, None
    programs = []
    asked = {"--chord-instrument": args.chord_instrument, "--melody-instrument": args.melody_instrument}
    for option, name in asked.items():
        try:
            programs.append(program_number(name or "piano"))
        except ValueError as exc:  # the reason names the instrument: the option is said
            raise Refused(2, f"{option}: {exc}") from None
    instruments = Instruments(*programs, room=args.room or DEFAULT_ROOM)
    try:
        font = _soundfont(args.soundfont, (instruments.chords, instruments.melody))
    except SoundFontError as exc:  # the font asked for: an error, not a quiet stand-in
        raise Refused(1, f"--soundfont {args.soundfont}: {_font_trouble(exc, args.soundfont)}") from None
    for part, program in (("chords", instruments.chords), ("melody", instruments.melody)):
        if font is not None and not font.has(program):
            print(
                f"warning: {font.name} has no {GM_NAMES[program]}: the {part} play its "
                f"{font.preset(program).name}",
                file=sys.stderr,
            )
    return instruments, font


def _soundfont(path: str | None, programs):
    """The SoundFont for --wav with the instruments' samples read: the one asked for
    (SoundFontError when it cannot be used), or the bundled one, else None (the plain tone,
    saying why)."""
    from songsketch.engine.api import SoundFontError, open_font

    if path and not Path(path).exists():
        raise SoundFontError(f"{Path(path).name}: no such file")
    if path and Path(path).is_dir():
        raise SoundFontError(f"{Path(path).name}: a folder; name the .sf2 or .sf3 file in it")
    font = open_font(path) if path else None
    if font is not None:
        font.warm(programs)
        return font
    try:
        font = open_font()
        font.warm(programs)
        return font
    except SoundFontError as exc:
        print(
            f"warning: the bundled SoundFont cannot be used ({_font_trouble(exc)}); "
            "the audio is a plain tone",
            file=sys.stderr,
        )
    return None


def _font_trouble(exc, path: str | None = None) -> str:
    """What is wrong with a SoundFont without the file's name the engine's message opens with
    (the command names the font once: the path as typed, or 'the bundled SoundFont')."""
    said = str(exc)
    name = Path(path).name if path else said.partition(": ")[0]
    return said.removeprefix(f"{name}: ")


def _request(args: argparse.Namespace):
    """The engine request the arguments ask for: new ideas (continuing a primer), new versions
    of a primer keeping its chords or melody or rewriting some bars, or melodies over typed
    chords."""
    from songsketch.engine.api import MELODY_ALONE, GenerateRequest, Guard, InfillRequest, RegenerateRequest

    settings = _settings(args)
    primer = _primer(args.primer) if args.primer else None
    if args.progression is not None and not args.progression.strip(" |"):
        raise Refused(2, '--progression: no chords in it (type them like "Am F C G" or "C G | Am F")')
    over = _progression(args.progression, primer, settings) if args.progression else None
    guard = Guard(args.guard) if args.guard else None
    if args.keep and primer is None:
        raise Refused(2, "--keep needs --primer (the idea whose chords or melody are kept)")
    if args.primer_bars and primer is None:
        raise Refused(2, "--primer-bars needs --primer (the file whose first bars are kept)")
    if primer is not None and not primer.chords and args.keep != "melody":
        raise Refused(2, f"--primer {args.primer}: {MELODY_ALONE}: --keep melody writes chords for it")
    if args.infill:
        first_bar, bars = _infill_span(args.infill, primer, args.keep)
        return InfillRequest(primer, first_bar, bars, settings, args.rewrite, guard)
    if over is not None:
        return RegenerateRequest(over, "chords", settings, guard, tempo_from_model=settings.tempo is None)
    if args.keep:
        return RegenerateRequest(primer, args.keep, settings, guard)
    return GenerateRequest(settings, guard, primer)


def _settings(args: argparse.Namespace):
    from songsketch.engine.api import GenerationSettings

    return GenerationSettings(
        count=args.count,
        key=args.key,
        tempo=args.tempo,
        meter=args.meter,
        bars_per_section=args.bars,
        temperature=args.temperature,
        top_p=args.top_p,
        seed=args.seed,
        harmonic_rhythm=None if args.chords == "auto" else args.chords,
        repetition=None if args.repetition == "auto" else args.repetition,
        style=args.style,  # None: the model's own
        primer_bars=args.primer_bars,
    )


def _primer(path: str):
    """The first idea of the --primer file: a MIDI file, a score (MusicXML, ABC, kern) or a
    melody sung alone (WAV, FLAC, OGG), heard as ``songsketch convert`` hears it."""
    from songsketch.engine.api import AUDIO_SUFFIXES, analyse_path, hear_sung_file, read_ideas

    try:
        if Path(path).suffix.lower() in AUDIO_SUFFIXES:
            return hear_sung_file(path).ideas[0]
        if Path(path).suffix.lower() in (".mid", ".midi"):
            return read_ideas(path)[0]
        return analyse_path(path).ideas[0]
    except ValueError as exc:
        raise Refused(1, f"--primer {path}: {exc}") from None


def _progression(text: str, primer, settings):
    """The idea of the typed chords of --progression (the ideas are melodies over them), in
    the chords' key: a --key they contradict is set aside with a warning."""
    from songsketch.engine.api import ProgressionError, typed_progression

    if primer is not None:
        raise Refused(2, "--primer and --progression: choose one")
    try:
        typed = typed_progression(
            text,
            settings.meter or (4, 4),
            settings.bars_per_section,
            settings.tempo or 100,
            settings.key,
        )
    except ProgressionError as exc:
        raise Refused(2, f"{exc}\n  {text}\n  {' ' * exc.column}^") from None
    if typed.remark:
        print(
            f"warning: --key {settings.key.name} set aside: {typed.remark}; "
            f"the melodies are in {typed.idea.key.long_name}",
            file=sys.stderr,
        )
    return typed.idea


def _infill_span(text: str, primer, keep) -> tuple[int, int]:
    """(first bar 0-based, bars) of --infill '5-6' or '7' within the primer."""

    def refuse(why: str) -> Refused:
        return Refused(2, f"--infill {text}: {why}")

    if primer is None:
        raise refuse("needs --primer (the idea whose bars are rewritten)")
    if keep:
        raise refuse("--keep rewrites a whole part; --infill rewrites bars: choose one")
    try:
        first, _, last = text.partition("-")
        first_bar, last_bar = int(first), int(last or first)
    except ValueError:
        raise refuse("give bars like 5-6 or 7") from None
    if not 1 <= first_bar <= last_bar:
        raise refuse("give bars like 5-6 or 7 (from the first to the last, counted from 1)")
    if last_bar > primer.bars:
        raise refuse(f"the idea has {primer.bars} bars")
    if first_bar == 1 and last_bar == primer.bars:
        raise refuse("that is the whole idea: generate new ideas instead")
    return first_bar - 1, last_bar - first_bar + 1


def _load_model(args: argparse.Namespace):
    """(engine with the --model loaded, seconds it took); Refused when the model cannot be
    loaded or did not learn the --style asked for."""
    from songsketch.engine.api import Engine, ModelError

    engine = Engine()
    t0 = time.perf_counter()
    try:
        engine.load(resolve_model(args.model))
    except ModelError as exc:
        raise Refused(1, str(exc)) from None
    load_s = time.perf_counter() - t0
    styles = engine.model.card.styles
    if args.style is not None and args.style not in styles:
        raise Refused(2, f"this model learnt the {' and '.join(styles)} style, not {args.style}")
    return engine, load_s


def _out_folder(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Refused(1, f"cannot create {out}: {exc.strerror or exc}") from None
    return out


class IdeaFiles:
    """Writes each idea as the engine gives it: NAME.mid, with NAME.musicxml and NAME.wav when
    asked, and a line saying so. A file that cannot be written is said and the run goes on;
    ``written`` counts the ideas whose .mid was written."""

    def __init__(self, folder: Path, musicxml: bool, instruments, font) -> None:
        self.folder, self.musicxml = folder, musicxml
        self.instruments, self.font = instruments, font  # instruments None: no audio
        self.written = 0

    def write(self, index: int, idea, report) -> None:
        """The engine's on_idea: ``report`` the idea's originality (None when unguarded)."""
        from songsketch.engine.api import chord_chart, write_midi

        target = self.folder / f"{idea.name}.mid"
        try:
            write_midi(idea, target)
        except OSError as exc:
            print(f"error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
            return
        beside = []  # the files written beside the .mid, named on its line
        if self.musicxml and self._write_sheet(idea, target.with_suffix(".musicxml")):
            beside.append(".musicxml")
        if self.instruments is not None and self._write_audio(idea, target.with_suffix(".wav")):
            beside.append(".wav")
        also = f" (+ {', '.join(beside)})" if beside else ""
        self.written += 1
        verse = chord_chart(idea, "verse")  # bars: Am | F | C | G
        echo = f"  [{report.badge()}]" if report is not None else ""
        print(
            f"{target}{also}  {idea.key.name:<4} {idea.tempo:>3} bpm  {idea.meter[0]}/{idea.meter[1]}  "
            f"verse: {verse}{echo}",
            flush=True,
        )

    def _write_sheet(self, idea, sheet: Path) -> bool:
        from songsketch.engine.api import write_musicxml

        try:
            write_musicxml(idea, sheet)
        except Exception as exc:  # OSError, or music21 refusing something: the .mid stands
            print(f"error: cannot write {sheet}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
            return False
        return True

    def _write_audio(self, idea, audio: Path) -> bool:
        from songsketch.engine.api import SoundFontError, write_wav

        try:
            write_wav(idea, audio, self.font, self.instruments)
        except OSError as exc:
            print(f"error: cannot write {audio}: {exc.strerror or exc}", file=sys.stderr)
        except SoundFontError as exc:  # a sample that cannot be had after all
            print(f"error: cannot render {audio}: {exc}", file=sys.stderr)
        else:
            return True
        return False
