"""``Engine.run``: each kind of request, plain data, is carried out by the engine method of
its kind with every field passed on (the same seed gives the same ideas either way)."""

import pytest

from songsketch.engine.api import (
    Engine,
    GenerateRequest,
    GenerationSettings,
    InfillRequest,
    RegenerateRequest,
)

SETTINGS = GenerationSettings(count=2, bars_per_section=2, seed=4)


@pytest.fixture(scope="module")
def engine(tiny_model):
    engine = Engine()
    engine.load(tiny_model[0])
    return engine


@pytest.fixture(scope="module")
def idea(engine):
    return engine.generator.generate(GenerationSettings(count=1, bars_per_section=2, seed=1))[0]


def _collect(call):
    ideas = []
    summary = call(lambda _i, idea, _report: ideas.append(idea))
    return ideas, summary


def _kinds(idea):
    """Each request with the direct call it stands for."""
    return {
        "generate": (
            GenerateRequest(SETTINGS, guard=None),
            lambda e, on: e.generate(SETTINGS, on, guard=None),
        ),
        "continue": (
            GenerateRequest(SETTINGS, primer=idea),
            lambda e, on: e.generate(SETTINGS, on, primer=idea),
        ),
        "new melody": (
            RegenerateRequest(idea, "chords", SETTINGS),
            lambda e, on: e.regenerate(idea, "chords", SETTINGS, on),
        ),
        "new chords": (
            RegenerateRequest(idea, "melody", SETTINGS),
            lambda e, on: e.regenerate(idea, "melody", SETTINGS, on),
        ),
        "rewrite bars": (
            InfillRequest(idea, first_bar=1, bars=2, settings=SETTINGS, part="melody"),
            lambda e, on: e.infill(idea, 1, 2, SETTINGS, "melody", on),
        ),
    }


@pytest.mark.parametrize("kind", ["generate", "continue", "new melody", "new chords", "rewrite bars"])
def test_run_carries_out_each_kind_of_request(engine, idea, kind):
    request, direct = _kinds(idea)[kind]
    ran, summary = _collect(lambda on: engine.run(request, on_idea=on))
    expected, _ = _collect(lambda on: direct(engine, on))
    assert ran == expected and len(ran) == summary.shown == 2
    if kind == "new melody":
        assert all(new.chords == idea.chords for new in ran)
    elif kind == "new chords":
        assert all(new.melody == idea.melody for new in ran)


def test_requests_are_data_and_name_where_their_ideas_come_from(idea):
    assert GenerateRequest(SETTINGS).source == ""
    assert GenerateRequest(SETTINGS, primer=idea).source == idea.name
    assert RegenerateRequest(idea, "chords", SETTINGS).source == idea.name
    assert not hasattr(GenerateRequest, "run")
    with pytest.raises(ValueError):
        RegenerateRequest(idea, "drums", SETTINGS)


def test_run_refuses_what_is_not_a_generation_request(engine):
    with pytest.raises(TypeError):
        engine.run(SETTINGS)


def test_your_own_chords_are_not_reported_as_the_ideas_copy():
    """Melodies over typed chords: where the chords themselves are a known song's (C G Am F is
    everyone's), the ideas' reports name only what they share beyond them (the shipped model's
    index: its pop songs loop these chords for 16 bars)."""
    from songsketch.engine.api import Engine, GenerationSettings, RegenerateRequest, default_model_dir
    from songsketch.engine.formats.progression import typed_progression

    engine = Engine()
    engine.load(default_model_dir())
    typed = typed_progression("C | G | Am | F", bars_per_section=8).idea
    own = engine.index.check(typed)
    assert own.chord_bars >= 9  # the test means something: the typed chords alone echo a song
    reports = []
    request = RegenerateRequest(typed, "chords", GenerationSettings(count=3, seed=1))
    engine.run(request, lambda _i, _idea, report: reports.append(report))
    assert len(reports) == 3
    assert all(r.chord_bars == 0 and r.chord_song == "" for r in reports), reports
    assert all(r.badge() == "original" or "notes" in r.badge() for r in reports)
