"""The LSTM engine with real (small) Keras models: training, fine-tuning, cancel, the NumPy
step, batched constrained generation, partial regeneration, primers, distribution."""

import subprocess
import sys

from songsketch.engine.formats.midi import read_ideas
from songsketch.engine.music.idea import Key
from tests.helpers import ROOT


def _generate(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    """``songsketch generate ARGS`` from the checkout, its output captured."""
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "generate", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_cli_generate_writes_one_midi_per_idea(tiny_model, tmp_path):
    out = tmp_path / "ideas"
    proc = _generate(
        "--count", 3, "--out", out, "--model", tiny_model[0], "--bars", 2, "--seed", 1,
        "--chords", "bar", "--key", "Am", "--musicxml",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    files = sorted(out.glob("*.mid"))
    assert len(files) == 3
    for path in files:
        (idea,) = read_ideas(path)
        assert idea.key == Key(9, "minor") and idea.bars == 4
        assert all(c.onset % idea.bar_ticks == 0 for c in idea.chords)
        assert f"{path.name} (+ .musicxml)  " in proc.stdout  # a line per idea names its files
        from music21 import converter  # and its lead sheet beside it

        sheet = converter.parse(str(path.with_suffix(".musicxml")))
        assert sum(n.isNote for n in sheet.parts[0].stripTies().flatten().notes) == len(idea.melody)
    bad = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "generate", "--chords", "often"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "--chords" in bad.stderr


def test_cli_writes_melodies_over_a_typed_progression(tiny_model, tmp_path):
    out = tmp_path / "over"
    model = ["--model", tiny_model[0]]
    proc = _generate(
        *model, "--progression", "Am F | C G", "--count", 3, "--bars", 2, "--seed", 4, "--out", out
    )
    assert proc.returncode == 0, proc.stderr
    files = sorted(out.glob("*.mid"))
    assert len(files) == 3
    melodies = set()
    for path in files:
        (idea,) = read_ideas(path)
        symbols = [(c.root, c.quality, c.onset) for c in sorted(idea.chords, key=lambda c: c.onset)]
        # exactly the typed chords, two a bar, the two bars repeating over verse and chorus
        assert symbols == [
            (root, quality, bar * 48 + half * 24)
            for bar in range(4)
            for half, (root, quality) in enumerate(
                ((9, "m"), (5, "")) if bar % 2 == 0 else ((0, ""), (7, ""))
            )
        ]
        assert idea.melody
        melodies.add(tuple((n.pitch, n.onset) for n in idea.melody))
    assert len(melodies) == 3  # three different melodies over them
    bad = _generate(*model, "--progression", "C G | Xm F", "--out", tmp_path / "no", timeout=120)
    assert bad.returncode == 2 and "bar 2" in bad.stderr and "'Xm'" in bad.stderr
    assert not (tmp_path / "no").exists() or not list((tmp_path / "no").glob("*.mid"))


def test_cli_reads_chords_as_songwriters_type_them(tiny_model, tmp_path):
    """No bar lines: a chord a bar; chart symbols fold to the model's chords, slash basses kept;
    a --key the chords contradict is set aside, said on stderr."""
    out = tmp_path / "loop"
    proc = _generate(
        "--model", tiny_model[0], "--progression", "Am7/G Fadd9 C6/9 G7sus4", "--key", "G",
        "--count", 2, "--bars", 4, "--seed", 5, "--out", out,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "--key G set aside" in proc.stderr and "not in G major" in proc.stderr
    assert "the melodies are in C major" in proc.stderr
    for path in sorted(out.glob("*.mid")):
        (idea,) = read_ideas(path)
        assert idea.key == Key(0, "major")  # the chords' key, not the G asked for
        chords = sorted(idea.chords, key=lambda c: c.onset)
        assert [(c.root, c.quality, c.onset, c.duration) for c in chords[:4]] == [
            (9, "m7", 0, 48), (5, "", 48, 48), (0, "6", 96, 48), (7, "sus4", 144, 48)
        ]  # fmt: skip
        assert chords[0].voicing[0] % 12 == 7  # Am7/G: G in the bass
        assert not any(n.pitch % 12 == 6 for n in idea.melody)  # no F# over the F
        assert f"{path}  C " in proc.stdout and "verse: Am7/G | F | C6 | Gsus4" in proc.stdout
    bad = _generate("--model", tiny_model[0], "--progression", "Am F Cxyz G", "--out", tmp_path / "no")
    assert bad.returncode == 2 and "bar 3" in bad.stderr and "'Cxyz'" in bad.stderr


def test_cli_goes_on_from_your_file(tiny_model, tmp_path):
    """--primer continues a file's first bars (--primer-bars), or with --keep writes new
    melodies for its chords or new chords for its melody."""
    from tests.helpers import song_bytes

    mine = tmp_path / "mine.mid"
    mine.write_bytes(song_bytes())
    (source,) = read_ideas(mine)
    base = ["--model", tiny_model[0], "--primer", mine]
    runs = {
        "continue": ["--primer-bars", "2", "--bars", "4"],
        "chords": ["--keep", "chords"],
        "melody": ["--keep", "melody"],
    }
    for way, extra in runs.items():
        out = tmp_path / way
        proc = _generate(*base, *extra, "--count", 2, "--seed", 3, "--out", out)
        assert proc.returncode == 0, (way, proc.stderr)
        ideas = [read_ideas(p)[0] for p in sorted(out.glob("*.mid"))]
        assert len(ideas) == 2, way
        for idea in ideas:
            if way == "continue":
                end = 2 * idea.bar_ticks
                assert [n.pitch for n in idea.melody if n.onset < end] == [
                    n.pitch for n in source.melody if n.onset < end
                ]
            elif way == "chords":
                assert [(c.root, c.quality, c.onset) for c in idea.chords] == [
                    (c.root, c.quality, c.onset) for c in source.chords
                ]
            else:
                assert [(n.pitch, n.onset) for n in idea.melody] == [
                    (n.pitch, n.onset) for n in source.melody
                ]


def test_cli_writes_a_wav_beside_each_midi(tiny_model, tmp_path):
    """--wav: NAME.wav beside NAME.mid, the idea's length (plus the ring of its last notes and
    of the room) at 44.1 kHz stereo, the melody on the instrument asked for; an instrument the
    SoundFont lacks is said and played on its piano; a --soundfont that cannot be used is an
    error before any work (not a quiet stand-in); an unknown instrument is refused."""
    import wave

    import numpy as np

    out = tmp_path / "ideas"
    junk = tmp_path / "junk.sf2"
    junk.write_bytes(b"not a soundfont at all")
    refused = _generate("--count", 1, "--out", out, "--model", tiny_model[0], "--wav", "--soundfont", junk)
    assert refused.returncode == 1 and "junk.sf2: not a SoundFont" in refused.stderr
    assert not out.exists() or not list(out.glob("*.mid"))
    proc = _generate(
        "--count", 2, "--out", out, "--model", tiny_model[0], "--bars", 2, "--seed", 4,
        "--wav", "--melody-instrument", "flute", "--chord-instrument", "music box",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "has no Music Box: the chords play its Yamaha Grand Piano" in proc.stderr
    assert "(+ .wav)" in proc.stdout and "2 ideas in" in proc.stdout
    for path in sorted(out.glob("*.mid")):
        (idea,) = read_ideas(path)
        with wave.open(str(path.with_suffix(".wav"))) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (44100, 2, 2)
            seconds = w.getnframes() / 44100
            audio = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        length = idea.total_ticks * 60 / idea.tempo / 12
        assert length <= seconds < length + 4
        assert np.abs(audio).max() > 1000  # audible
    bad = _generate("--out", out, "--model", tiny_model[0], "--wav", "--chord-instrument", "kazoo")
    assert bad.returncode == 2 and "kazoo" in bad.stderr
    unused = _generate("--out", out, "--model", tiny_model[0], "--melody-instrument", "flute")
    assert unused.returncode == 2 and "--wav" in unused.stderr


def test_cli_infill_rewrites_the_bars_asked_and_refuses_bad_spans(tiny_model, tmp_path):
    model = ["--model", tiny_model[0]]
    src = tmp_path / "src"
    assert _generate(*model, "--count", 1, "--bars", 4, "--seed", 6, "--out", src).returncode == 0
    (primer_path,) = src.glob("*.mid")
    (primer,) = read_ideas(primer_path)
    out = tmp_path / "filled"
    proc = _generate(*model, "--primer", primer_path, "--infill", "3-4", "--rewrite", "melody", "--count", 2,
                     "--seed", 1, "--out", out)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    files = sorted(out.glob("*.mid"))
    assert len(files) == 2 and "\n2 new versions in " in proc.stdout and "ideas" not in proc.stdout
    bar = primer.bar_ticks
    for path in files:
        (idea,) = read_ideas(path)
        assert idea.chords == primer.chords  # the melody of bars 3-4 rewritten, the chords kept
        keep = lambda n: not 2 * bar <= n.onset < 4 * bar
        assert [(n.onset, n.pitch) for n in idea.melody if keep(n)] == [
            (n.onset, n.pitch) for n in primer.melody if keep(n)
        ]
    for span, says in (("1-8", "whole idea"), ("7-9", "has 8 bars"), ("x", "like 5-6"), ("4-3", "like 5-6")):
        bad = _generate(*model, "--primer", primer_path, "--infill", span, "--out", tmp_path / "bad")
        assert bad.returncode == 2 and says in bad.stderr, (span, bad.stderr)
    alone = _generate(*model, "--infill", "2-3", "--out", tmp_path / "bad")
    assert alone.returncode == 2 and "needs --primer" in alone.stderr


def test_cli_refuses_a_wrong_argument_before_it_loads_the_model(tmp_path):
    """Every argument is checked before the model is loaded (which takes seconds): with a model
    that does not exist, what is said is the argument's error, not the missing model; once the
    arguments are right, the missing model is what is said."""
    from tests.helpers import song_bytes

    mine = tmp_path / "mine.mid"
    mine.write_bytes(song_bytes())  # 8 bars
    missing = ["--model", tmp_path / "no-such-model", "--out", tmp_path / "out"]
    refusals = [
        (["--primer", mine, "--infill", "99-100"], 2, "the idea has 8 bars"),
        (["--infill", "2-3"], 2, "needs --primer"),
        (["--keep", "chords"], 2, "--keep needs --primer"),
        (["--primer", mine, "--progression", "C G"], 2, "choose one"),
        (["--progression", "C G | Xm F"], 2, "'Xm'"),
        (["--primer", tmp_path / "absent.mid"], 1, "absent.mid"),
        (["--melody-instrument", "flute"], 2, "are for --wav"),
        (["--wav", "--chord-instrument", "kazoo"], 2, "kazoo"),
    ]
    for extra, code, says in refusals:
        proc = _generate(*missing, *extra, timeout=60)
        assert proc.returncode == code and says in proc.stderr, (extra, proc.stderr)
        assert "model folder not found" not in proc.stderr, extra
    assert not (tmp_path / "out").exists()
    right = _generate(*missing, "--primer", mine, "--infill", "3-4", timeout=60)
    assert right.returncode == 1 and "model folder not found" in right.stderr, right.stderr
