"""Command-line commands that use a model: generate, train.

TensorFlow is imported only when one of these commands runs.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path


def resolve_model(name: str | None) -> Path:
    """A model folder from a name ('default', a user model's name) or a path."""
    from songsketch.engine.api import Home, default_model_dir

    if not name or name == "default":
        return default_model_dir()
    candidate = Path(name)
    if (candidate / "current.json").exists():
        return candidate
    return Home.from_environment().models / name


def _bars_arg(text: str, primer, keep) -> tuple[int, int] | str:
    """(first bar 0-based, bars) of '5-6' or '7' within the primer, or what is wrong."""
    if primer is None:
        return "needs --primer (the idea whose bars are rewritten)"
    if keep:
        return "--keep rewrites a whole part; --infill rewrites bars: choose one"
    try:
        first, _, last = text.partition("-")
        first_bar, last_bar = int(first), int(last or first)
    except ValueError:
        return "give bars like 5-6 or 7"
    if not 1 <= first_bar <= last_bar:
        return "give bars like 5-6 or 7 (from the first to the last, counted from 1)"
    if last_bar > primer.bars:
        return f"the idea has {primer.bars} bars"
    if first_bar == 1 and last_bar == primer.bars:
        return "that is the whole idea: generate new ideas instead"
    return first_bar - 1, last_bar - first_bar + 1


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
    value = int(text)
    if not TEMPO_RANGE[0] <= value <= TEMPO_RANGE[1]:
        raise argparse.ArgumentTypeError(f"tempo must be {TEMPO_RANGE[0]}-{TEMPO_RANGE[1]} bpm")
    return value


def _meter_arg(text: str):
    from songsketch.engine.api import METERS

    try:
        num, den = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a meter: {text!r}") from None
    if (num, den) not in METERS:
        raise argparse.ArgumentTypeError(f"meter must be one of {', '.join(f'{a}/{b}' for a, b in METERS)}")
    return (num, den)


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "model"


def _soundfont(path: str | None, programs):
    """The SoundFont for --wav with the instruments' samples read: the one asked for
    (SoundFontError when it cannot be used), or the bundled one, else None (the plain tone,
    saying why)."""
    from songsketch.engine.api import SoundFontError, open_font

    font = open_font(path) if path else None
    if font is not None:
        font.warm(programs)
        return font
    try:
        font = open_font()
        font.warm(programs)
        return font
    except SoundFontError as exc:
        print(f"warning: cannot use the SoundFont {exc}; the audio is a plain tone", file=sys.stderr)
    return None


def _generate(args: argparse.Namespace) -> int:
    from songsketch.engine.api import (
        DEFAULT_ROOM,
        GM_NAMES,
        Engine,
        GenerateRequest,
        GenerationSettings,
        Guard,
        InfillRequest,
        Instruments,
        ModelError,
        ProgressionError,
        RegenerateRequest,
        SoundFontError,
        program_number,
        progression_idea,
        read_ideas,
        write_midi,
        write_musicxml,
        write_wav,
    )

    instruments = None
    if args.wav:
        try:
            instruments = Instruments(
                program_number(args.chord_instrument or "piano"),
                program_number(args.melody_instrument or "piano"),
                room=args.room or DEFAULT_ROOM,
            )
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        try:
            font = _soundfont(args.soundfont, (instruments.chords, instruments.melody))
        except SoundFontError as exc:  # the font asked for: an error, not a quiet stand-in
            print(f"error: cannot use the SoundFont {args.soundfont}: {exc}", file=sys.stderr)
            return 1
        for part, program in (("chords", instruments.chords), ("melody", instruments.melody)):
            if font is not None and not font.has(program):
                print(
                    f"warning: {font.name} has no {GM_NAMES[program]}: the {part} play its "
                    f"{font.preset(program).name}",
                    file=sys.stderr,
                )
    elif args.soundfont or args.chord_instrument or args.melody_instrument or args.room:
        print("error: --soundfont, the instruments and --room are for --wav", file=sys.stderr)
        return 2
    settings = GenerationSettings(
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
    engine = Engine()
    t0 = time.perf_counter()
    try:
        engine.load(resolve_model(args.model))
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    load_s = time.perf_counter() - t0
    styles = engine.model.card.get("styles") or ["song"]
    if args.style is not None and args.style not in styles:
        print(f"error: this model learnt the {' and '.join(styles)} style, not {args.style}", file=sys.stderr)
        return 2
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error: cannot create {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    primer = None
    if args.primer:
        try:
            primer = read_ideas(args.primer)[0]
        except ValueError as exc:
            print(f"error: primer {args.primer}: {exc}", file=sys.stderr)
            return 1
    over = None  # typed chords: the ideas are melodies over them
    if args.progression:
        if primer is not None:
            print("error: --primer and --progression: choose one", file=sys.stderr)
            return 2
        try:
            over = progression_idea(
                args.progression,
                settings.meter or (4, 4),
                settings.bars_per_section,
                settings.tempo or 100,
                settings.key,
            )
        except ProgressionError as exc:
            print(f"error: {exc}\n  {args.progression}\n  {' ' * exc.column}^", file=sys.stderr)
            return 2
    written = 0

    def show(index: int, idea, report) -> None:
        nonlocal written
        target = out / f"{idea.name}.mid"
        try:
            write_midi(idea, target)
        except OSError as exc:
            print(f"error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
            return
        if args.musicxml:
            sheet = target.with_suffix(".musicxml")
            try:
                write_musicxml(idea, sheet)
            except Exception as exc:  # OSError, or music21 refusing something: the .mid stands
                print(
                    f"error: cannot write {sheet}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr
                )
        also = ""
        if instruments is not None:
            audio = target.with_suffix(".wav")
            try:
                write_wav(idea, audio, font, instruments)
                also = " (+ .wav)"
            except OSError as exc:
                print(f"error: cannot write {audio}: {exc.strerror or exc}", file=sys.stderr)
            except SoundFontError as exc:  # a sample that cannot be had after all
                print(f"error: cannot render {audio}: {exc}", file=sys.stderr)
        written += 1
        verse = " ".join(idea.chord_symbols("verse"))
        echo = f"  [{report.badge()}]" if report is not None else ""
        print(
            f"{target}{also}  {idea.key.name:<4} {idea.tempo:>3} bpm  {idea.meter[0]}/{idea.meter[1]}  "
            f"verse: {verse}{echo}",
            flush=True,
        )

    t1 = time.perf_counter()
    guard = Guard(args.guard) if args.guard else None
    if args.keep and primer is None:
        print("error: --keep needs --primer (the idea whose chords or melody are kept)", file=sys.stderr)
        return 2
    span = None
    if args.infill:
        span = _bars_arg(args.infill, primer, args.keep)
        if isinstance(span, str):
            print(f"error: --infill {args.infill}: {span}", file=sys.stderr)
            return 2
    if span is not None:
        request = InfillRequest(primer, span[0], span[1], settings, args.rewrite, guard)
    elif over is not None:
        request = RegenerateRequest(over, "chords", settings, guard)
    elif args.keep:
        request = RegenerateRequest(primer, args.keep, settings, guard)
    else:
        request = GenerateRequest(settings, guard, primer)
    try:
        summary = engine.run(request, on_idea=show)
    except ValueError as exc:  # a request this model cannot carry out (the reason says why)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    gen_s = time.perf_counter() - t1
    plural = "s" if written != 1 else ""
    print(f"{written} idea{plural} in {gen_s:.2f} s (model loaded in {load_s:.1f} s); {summary}")
    return 0 if written == args.count else 1


def _train(args: argparse.Namespace) -> int:
    from songsketch.engine.api import (
        CorpusError,
        Home,
        ModelConfig,
        ModelError,
        TrainingCancelled,
        TrainingError,
        TrainSettings,
        load_builtin,
        load_folder,
        train,
    )

    cache = Home.from_environment().cache
    try:
        corpus = load_builtin(cache) if args.folder == "builtin" else load_folder(args.folder, cache)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for report in corpus.reports:
        if not report.used:
            print(f"skipped  {report.path}: {report.reason}")
    print(f"used {corpus.used}, skipped {corpus.skipped} ({corpus.seconds:.1f} s)")
    if len(corpus.songs) < 2:
        print("error: need at least 2 usable songs to train", file=sys.stderr)
        return 1
    scratch = args.scratch
    base = None if scratch else resolve_model(args.base)
    name = args.out or ("builtin" if args.folder == "builtin" else Path(args.folder).resolve().name)
    out_dir = (
        Path(name)
        if ("/" in name or name.startswith("."))
        else Home.from_environment().models / _safe_name(name)
    )
    config = ModelConfig(embed_dim=args.embed, units=args.units, layers=args.layers)
    settings = TrainSettings(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,  # None: the engine's rate for a fine-tune or a scratch run
        patience=args.patience,
        seed=args.seed,
        config=config,
    )
    reproduce = "songsketch train " + " ".join(sys.argv[2:])

    def progress(p) -> None:
        width = 30
        if p.val_loss is None:
            done = int(width * p.batch / max(1, p.batches))
            eta = f" eta {p.eta_seconds:5.0f}s" if p.eta_seconds is not None else ""
            line = (
                f"\repoch {p.epoch:>2}/{p.epochs} [{'#' * done}{'.' * (width - done)}] loss {p.loss:.3f}{eta}"
            )
            print(line, end="", flush=True)
        else:
            print(
                f"\repoch {p.epoch:>2}/{p.epochs} loss {p.loss:.4f}  val_loss {p.val_loss:.4f}  {p.message}"
                + " " * 20,
                flush=True,
            )

    print(f"training {'from scratch' if scratch else 'from ' + base.name} -> {out_dir}")
    try:
        result = train(
            corpus.songs,
            out_dir,
            settings,
            base_model=base,
            name=_safe_name(name),
            progress=progress,
            data_note={"source": args.folder, "files_used": corpus.used, "files_skipped": corpus.skipped},
            reproduce=reproduce,
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
        f"saved {result.folder}: {card['epochs_run']} epochs, best epoch {card['best_epoch']}, "
        f"validation loss {card['validation_loss']:.4f}, {card['seconds']:.0f} s"
    )
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("generate", help="write ideas as .mid files (and lead sheets, audio)")
    p.add_argument("--count", "-n", type=int, default=8)
    p.add_argument("--out", "-o", default="ideas", help="folder for the ideas' files")
    p.add_argument("--model", "-m", default="default", help="'default', a trained model's name, or a folder")
    p.add_argument("--key", type=_key_arg, default=None, help="C, Am, F#m, ... or auto")
    p.add_argument("--tempo", type=_tempo_arg, default=None, help="bpm or auto")
    p.add_argument("--meter", type=_meter_arg, default=(4, 4))
    p.add_argument(
        "--bars", type=int, default=8, choices=range(1, 33), metavar="1-32", help="bars per section"
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
    p.add_argument("--temperature", "-t", type=float, default=0.9, help="sampling temperature (0.9)")
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--primer", help="a MIDI file whose opening bars the ideas continue")
    p.add_argument(
        "--keep",
        choices=("chords", "melody"),
        default=None,
        help="with --primer: keep the whole file's chords (new melodies) or melody (new chords) "
        "instead of continuing its first bars",
    )
    p.add_argument(
        "--primer-bars",
        type=int,
        default=None,
        metavar="N",
        help="keep the primer's first N bars (default: up to a section)",
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
        help='melodies over these chords, e.g. "C G Am F | F G C C" (bars split by |, the '
        "progression repeating over the verse and chorus; the key is heard from the chords)",
    )
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
    p.add_argument(
        "--guard",
        type=int,
        default=7,
        metavar="N",
        help="redraw ideas copying more than N melody notes from a training song (0 = off; 8+ is a copy)",
    )
    p.set_defaults(func=_generate)

    p = sub.add_parser("train", help="train or fine-tune a model on a folder of songs")
    p.add_argument("folder", help="a folder of MIDI/MusicXML files, or 'builtin'")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--from-default",
        dest="scratch",
        action="store_false",
        help="fine-tune the default model (the default)",
    )
    mode.add_argument("--scratch", dest="scratch", action="store_true", help="train a new model")
    p.add_argument("--base", default="default", help="model to fine-tune")
    p.add_argument("--out", help="model name (default: the folder's name) or a folder path")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--patience", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--embed", type=int, default=128)
    p.add_argument("--units", type=int, default=192)
    p.add_argument("--layers", type=int, default=2)
    p.set_defaults(func=_train, scratch=False)
