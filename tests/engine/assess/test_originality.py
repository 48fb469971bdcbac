"""Originality: planted copies are found (also transposed), random ideas are not flagged,
and the guard redraws ideas over its threshold."""

import random

import pytest

from songsketch.engine.api.session import Engine
from songsketch.engine.assess.originality import Guard, OriginalityIndex
from songsketch.engine.data.corpus import Song
from songsketch.engine.generation.generator import GenerationSettings
from songsketch.engine.music.idea import Idea, Key, Note, Section
from tests.helpers import random_idea


def _planted(song_idea: Idea, start: int, length: int, shift: int) -> Idea:
    """An idea whose melody is ``length`` notes of a song's melody, moved by ``shift``."""
    notes = sorted(song_idea.melody, key=lambda n: n.onset)[start : start + length]
    t0 = notes[0].onset - notes[0].onset % song_idea.bar_ticks
    melody = tuple(Note(n.pitch + shift, n.onset - t0, n.duration, 79) for n in notes)
    bars = (melody[-1].end - 1) // song_idea.bar_ticks + 1
    return Idea(
        Key((song_idea.key.tonic + shift) % 12, song_idea.key.mode),
        100,
        song_idea.meter,
        (Section("verse", bars),),
        (),
        melody,
    )


def test_detector_names_the_song_and_the_run_length(chorale_songs):
    index = OriginalityIndex.build(chorale_songs)
    song = chorale_songs[3]
    for shift in (0, 5, -3):
        report = index.check(_planted(song.ideas[0], 4, 12, shift))
        assert report.song == song.name
        assert report.melody_notes >= 12
        assert "echoes" in report.badge()


def test_copied_chords_are_found_but_a_two_chord_vamp_is_common_property(chorale_songs):
    from songsketch.engine.music.idea import Chord

    index = OriginalityIndex.build(chorale_songs)
    song = chorale_songs[2].ideas[0]
    bar = song.bar_ticks
    chords = tuple(
        Chord(c.root, c.quality, c.onset - bar, c.duration, c.voicing)
        for c in song.chords
        if bar <= c.onset < 7 * bar
    )
    copy = Idea(song.key, 100, song.meter, (Section("verse", 6),), chords, ())
    for shift in (0, 5):  # six bars of a song's chords, moved
        report = index.check(copy.transposed(shift))
        assert report.chord_bars >= 6 and report.chord_song == chorale_songs[2].name

    def vamp(key: Key, a: tuple, b: tuple, bars: int) -> Idea:
        """Whole-bar chords a, b, a, b, ... (root relative to the key, quality)."""
        return Idea(
            key,
            100,
            (4, 4),
            (Section("verse", bars),),
            tuple(
                Chord((key.tonic + (a, b)[i % 2][0]) % 12, (a, b)[i % 2][1], i * 48, 48, (48, 52, 55))
                for i in range(bars)
            ),
            (),
        )

    songs = [
        Song("vamp-song", "vamp-song", (vamp(Key(0), (0, ""), (7, ""), 8),)),
        Song(
            "tune",
            "tune",
            (
                Idea(
                    Key(0),
                    100,
                    (4, 4),
                    (Section("verse", 4),),
                    tuple(Chord(r, "", i * 48, 48, (48, 52, 55)) for i, r in enumerate((0, 5, 7, 0))),
                    (),
                ),
            ),
        ),
    ]
    index = OriginalityIndex.build(songs)
    assert index.check(vamp(Key(3), (0, ""), (7, ""), 8)).chord_bars == 0  # I-V-I-V: everyone's
    assert index.check(songs[1].ideas[0].transposed(2)).chord_bars == 4  # I-IV-V-I: a real run


def test_random_ideas_are_not_flagged(chorale_songs):
    index = OriginalityIndex.build(chorale_songs)
    rng = random.Random(5)
    for _ in range(30):
        report = index.check(random_idea(rng))
        assert report.melody_notes <= 5


def test_index_round_trips(chorale_songs):
    index = OriginalityIndex.build(chorale_songs)
    again = OriginalityIndex.from_bytes(index.to_bytes())
    idea = _planted(chorale_songs[0].ideas[0], 0, 9, 2)
    assert again.check(idea) == index.check(idea)
    assert again.check(idea).melody_notes >= 9


def test_guard_redraws_so_no_shown_idea_copies_more_than_the_threshold(tiny_model):
    from songsketch.engine.data.corpus import Song

    engine = Engine()
    engine.load(tiny_model[0])
    settings = GenerationSettings(count=6, bars_per_section=4, seed=1, temperature=0.8)
    first = []
    engine.generate(settings, on_idea=lambda i, idea, report: first.append(idea))
    # pretend those very ideas were training songs: the same seed now draws copies of them
    engine.index = OriginalityIndex.build(
        [Song(f"song{i}", f"song{i}", (idea,)) for i, idea in enumerate(first)]
    )
    shown = []
    summary = engine.generate(
        settings, on_idea=lambda i, idea, report: shown.append((idea, report)), guard=Guard(8, 4)
    )
    assert len(shown) == 6 == summary.shown
    assert all(r.melody_notes <= 8 and r.chord_bars <= 4 for _, r in shown)
    assert summary.redrawn >= 1 and "too close to a known song" in str(summary)
    # every first idea the guard must refuse (more than 8 notes or 4 bars of a "song") is gone;
    # a short idea that stays under both limits may rightly be drawn and shown again
    reports = [engine.index.check(i) for i in first]
    refused = {i.name for i, r in zip(first, reports) if r.melody_notes > 8 or r.chord_bars > 4}
    assert refused
    assert not {i.name for i, _ in shown} & refused


@pytest.mark.slow  # trains its own model to overfit (~40 s)
def test_an_overfit_model_copies_and_the_detector_names_the_song(tmp_path):
    """A small model trained on one song until it memorises it plays the song back at a
    near-zero temperature, and the detector names that song with the whole run."""
    from songsketch.engine.data.corpus import Song
    from songsketch.engine.generation.generator import Generator, well_shaped
    from songsketch.engine.ml.model import ModelConfig
    from songsketch.engine.ml.store import load
    from songsketch.engine.ml.training import TrainSettings, train
    from songsketch.engine.music.idea import home_key, move_to_key

    rng = random.Random(12)
    song = None
    while song is None:
        c = random_idea(rng, meter=(4, 4), max_bars=2)
        if (
            [s.name for s in c.sections] == ["verse", "chorus"]
            and len(c.melody) >= 10
            and c.sections[0].bars == c.sections[1].bars
            and well_shaped(c)
        ):
            try:
                song = move_to_key(c, home_key(c.key.mode))
            except ValueError:
                pass
    other = random_idea(random.Random(99), meter=(4, 4), max_bars=2)
    songs = [Song("the-song", f"a/the-song-{i}.mid", (song,)) for i in range(16)] + [
        Song("other", "b/other.mid", (other,))
    ]
    settings = TrainSettings(
        epochs=30,
        batch_size=1,
        learning_rate=5e-3,
        patience=100,
        val_fraction=0.05,
        min_delta=-1.0,
        seed=3,
        config=ModelConfig(embed_dim=32, units=128, layers=1, dropout=0.0),
    )
    train(songs, tmp_path / "overfit", settings)
    generator = Generator(load(tmp_path / "overfit").weights)
    [idea] = generator.generate(
        GenerationSettings(
            count=1,
            key=song.key,
            tempo=song.tempo,
            meter=(4, 4),
            bars_per_section=song.sections[0].bars,
            temperature=0.05,
            seed=0,
            keep_register=False,
        )
    )
    report = OriginalityIndex.build(songs).check(idea)
    assert report.song == "the-song"
    assert report.melody_notes == len(song.melody)
    assert "echoes “the-song”" in report.badge()


def test_the_guard_also_checks_continued_primers_and_new_versions(tiny_model):
    """Whatever way an idea is made, an idea copying a training song is redrawn, not shown:
    the very ideas a seed draws are made the training songs, then the same seed draws again.
    What the user's own part shares with them (the primer's opening, the kept chords) is
    allowed, as the engine allows it; a first idea that stays under those limits may rightly
    be drawn and shown again, every other one must be gone."""
    from dataclasses import replace

    from songsketch.engine.generation.generator import primer_excerpt

    engine = Engine()
    engine.load(tiny_model[0])
    settings = GenerationSettings(count=4, bars_per_section=4, seed=5, temperature=0.8)
    source = []
    engine.generate(GenerationSettings(count=1, bars_per_section=4, seed=2), lambda i, x, r: source.append(x))
    primer = source[0]
    ways = {
        "continue a primer": (
            lambda cb, guard: engine.generate(settings, cb, primer=primer, guard=guard),
            primer_excerpt(primer, settings.kept_bars(primer), settings.plan()),
        ),
        "new melody": (
            lambda cb, guard: engine.regenerate(primer, "chords", settings, cb, guard=guard),
            replace(primer, melody=()),
        ),
    }
    guard = Guard(7, 2)  # short ideas: a strict chord limit
    for way, (run, own_part) in ways.items():
        first, shown = [], []
        run(lambda i, idea, report, first=first: first.append(idea), None)
        engine.index = OriginalityIndex.build(
            [Song(f"s{i}", f"s{i}", (idea,)) for i, idea in enumerate(first)]
        )
        summary = run(lambda i, idea, report, shown=shown: shown.append((idea, report)), guard)
        assert summary.redrawn >= 1 and len(shown) == 4, way
        own = engine.index.check(own_part)
        allowed = Guard(max(7, own.melody_notes), max(2, own.chord_bars))
        assert all(allowed.accepts(report) for _, report in shown), way
        refused = {i.name for i in first if not allowed.accepts(engine.index.check(i))}
        assert refused, way  # the test means something: some first ideas must go
        assert not refused & {idea.name for idea, _ in shown}, way


def test_a_shortfall_is_said_not_silent():
    """When the draw limit runs out before the count asked for, the summary says how many
    could not be made (the window's status bar and the CLI print it)."""
    from songsketch.engine.api import GenerationSummary

    assert str(GenerationSummary(2, 1, asked=2)) == "2 ideas; 1 too close to a known song was replaced"
    assert str(GenerationSummary(2, 3, asked=2)).endswith("3 too close to a known song were replaced")
    short = str(GenerationSummary(1, 0, asked=3))
    assert short.startswith("1 idea; 2 of the 3 asked for could not be made")


def _melody_of(index: OriginalityIndex, name: str, transitions: int) -> Idea:
    """An idea whose melody is the first notes of an indexed song (its transitions from C)."""
    steps = index.melodies[index.names.index(name)][:transitions]
    pitches, onsets = [60], [0]
    for interval, ioi in steps:
        pitches.append(pitches[-1] + interval)
        onsets.append(onsets[-1] + ioi)
    melody = tuple(Note(p, t, 6, 80) for p, t in zip(pitches, onsets))
    bars = (melody[-1].end - 1) // 48 + 1
    return Idea(Key(0, "major"), 100, (4, 4), (Section("verse", bars),), (), melody)


def test_reports_name_training_songs_as_a_songwriter_looks_them_up():
    """The shipped model's index names songs by their files: POP909's by number, Bach's
    chorales as music21 does (bwv148.6), lead sheets by title with underscores. A report
    says 'POP909 song 581', 'Bach chorale BWV 148.6', '“Blueberry Hill”' (it said 'echoes
    581'); the names it keeps are the index's, the guard's limits unchanged."""
    from songsketch.engine.api import default_model_dir
    from songsketch.engine.assess.originality import song_title
    from songsketch.engine.ml.store import read_extra

    index = OriginalityIndex.from_bytes(read_extra(default_model_dir(), "index"))
    titles = {
        "581": "POP909 song 581",
        "bwv148.6": "Bach chorale BWV 148.6",
        "Blueberry_Hill": "“Blueberry Hill”",
    }
    for name, title in titles.items():
        report = index.check(_melody_of(index, name, 12))
        assert report.song == name and report.melody_notes >= 13, (name, report)
        assert report.badge() == f"echoes {title} ({report.melody_notes} notes)"
        assert f"{report.melody_notes} notes ({title})" in report.detail()
        assert not Guard().accepts(report)
    assert all("_" not in song_title(n) and not song_title(n).startswith("“bwv") for n in index.names)
    assert song_title("bwv36.8-2") == "Bach chorale BWV 36.8-2" and song_title("") == ""
