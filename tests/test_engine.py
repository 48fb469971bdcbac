"""The LSTM engine with real (small) Keras models: training, fine-tuning, cancel, the NumPy
step, batched constrained generation, partial regeneration, primers, distribution."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from songsketch.engine.formats.midi import idea_to_midi, read_ideas
from songsketch.engine.generation.generator import GenerationSettings, Generator
from songsketch.engine.generation.lstm import NumpyLSTM
from songsketch.engine.ml.model import load_keras_model
from songsketch.engine.ml.store import ModelError, load
from songsketch.engine.ml.training import (
    TrainingCancelled,
    TrainingError,
    TrainSettings,
    encode_pieces,
    pieces,
    split_songs,
    train,
)
from songsketch.engine.music.idea import VOICING_RANGE, Key, Section
from songsketch.engine.tokens.grammar import State
from songsketch.engine.tokens.vocab import VOCAB

ROOT = Path(__file__).resolve().parent.parent


def test_training_lowers_the_loss(tiny_model):
    folder, result = tiny_model
    losses = [h["loss"] for h in result.history]
    assert len(losses) == 3 and losses[-1] < losses[0] - 0.3
    assert result.history[-1]["val_loss"] < result.history[0]["val_loss"]
    card = json.loads((folder / json.loads((folder / "current.json").read_text())["card"]).read_text())
    assert card["validation_loss"] == min(h["val_loss"] for h in result.history)
    assert card["data"]["validation_songs"] >= 1 and card["vocabulary"][:2] == ["PAD", "BOS"]


def test_validation_split_is_by_song(chorale_songs):
    train_songs, val_songs = split_songs(chorale_songs, 0.2, seed=1)
    assert {s.path for s in train_songs}.isdisjoint({s.path for s in val_songs})
    assert len(val_songs) == 2 and len(train_songs) + len(val_songs) == len(chorale_songs)
    with pytest.raises(TrainingError):
        split_songs(chorale_songs[:1], 0.1, 1)


def test_versions_of_one_tune_stay_on_one_side(chorale_songs):
    from songsketch.engine.data.corpus import Song

    # the same tune twice (another file, transposed), as a songwriter's folder often has
    twin = Song("twin", "zz/twin.mid", tuple(i.transposed(2) for i in chorale_songs[0].ideas))
    songs = list(chorale_songs) + [twin]
    for seed in range(8):
        train_songs, val_songs = split_songs(songs, 0.2, seed)
        sides = {s.name: ("val" if s in val_songs else "train") for s in songs}
        assert sides["twin"] == sides[chorale_songs[0].name]
        assert val_songs and train_songs


def test_pieces_are_verse_chorus_pairs(chorale_songs):
    for song in chorale_songs:
        for idea in song.ideas:
            for piece in pieces(idea):
                assert 1 <= len(piece.sections) <= 2 and all(s.bars <= 16 for s in piece.sections)
                piece.validate()


def test_numpy_step_matches_keras(tiny_model, chorale_songs):
    folder, _ = tiny_model
    model = load(folder)  # read with h5py: no TensorFlow
    seq = encode_pieces(chorale_songs[:1], None)[0][:80][None, :].astype(np.int32)
    expected = load_keras_model(folder).predict(seq, verbose=0)[0]
    lstm = NumpyLSTM(model.weights)
    state = lstm.zero_state(1)
    got = []
    for t in range(seq.shape[1]):
        logits, state = lstm.step(seq[:, t], state)
        got.append(logits[0])
    np.testing.assert_allclose(np.array(got), expected, atol=2e-4)


def test_batched_numpy_step_matches_keras(tiny_model, chorale_songs):
    """A batch of rows decoded together gives each row Keras's logits."""
    folder, _ = tiny_model
    model = load(folder)
    pieces = encode_pieces(chorale_songs[:8], None)
    seq = np.array([p[:60] for p in pieces if len(p) >= 60][:8], dtype=np.int32)
    assert len(seq) == 8
    expected = load_keras_model(folder).predict(seq, verbose=0)
    lstm = NumpyLSTM(model.weights)
    state = lstm.zero_state(len(seq))
    got = []
    for t in range(seq.shape[1]):
        logits, state = lstm.step(seq[:, t], state)
        got.append(logits)
    np.testing.assert_allclose(np.stack(got, axis=1), expected, atol=2e-4)


def test_200_ideas_are_well_formed_and_decode_to_midi(tiny_model):
    generator = Generator(load(tiny_model[0]).weights)
    seen = []
    ideas = generator.generate(
        GenerationSettings(count=200, bars_per_section=4, seed=3), on_idea=lambda i, idea: seen.append(i)
    )
    assert len(ideas) == 200 and sorted(seen) == list(range(200))
    for idea in ideas:
        idea.validate()
        assert [s.name for s in idea.sections] == ["verse", "chorus"]
        assert [s.bars for s in idea.sections] == [4, 4]
        assert all(max(c.voicing) <= VOICING_RANGE[1] for c in idea.chords)
        for note in idea.melody:  # the melody sits above the chord sounding under it
            under = [c for c in idea.chords if c.onset <= note.onset < c.end]
            assert all(note.pitch > max(c.voicing) for c in under)
        for bar in range(idea.bars):  # every bar has a chord, struck before any melody note
            start, end = bar * idea.bar_ticks, (bar + 1) * idea.bar_ticks
            chord_onsets = [c.onset for c in idea.chords if start <= c.onset < end]
            note_onsets = [n.onset for n in idea.melody if start <= n.onset < end]
            assert chord_onsets and min(chord_onsets) <= min(note_onsets, default=end)
        assert read_ideas(idea_to_midi(idea)) == [idea]


def test_controls_and_seed(tiny_model):
    generator = Generator(load(tiny_model[0]).weights)
    settings = GenerationSettings(
        count=5,
        key=Key(7, "minor"),
        tempo=128,
        meter=(3, 4),
        bars_per_section=2,
        seed=42,
        temperature=0.9,
        top_p=0.9,
    )
    a = generator.generate(settings)
    b = generator.generate(settings)
    assert a == b
    assert all(i.key == Key(7, "minor") and i.tempo == 128 and i.meter == (3, 4) for i in a)
    c = generator.generate(
        GenerationSettings(count=5, key=Key(7, "minor"), tempo=128, meter=(3, 4), bars_per_section=2, seed=43)
    )
    assert c != a


def test_harmonic_rhythm_puts_chords_only_on_its_grid(tiny_model):
    from songsketch.engine.generation.constraints import chord_grid

    assert [chord_grid((4, 4), r) for r in ("beat", "half", "bar")] == [12, 24, 48]
    assert [chord_grid((3, 4), r) for r in ("beat", "half", "bar")] == [12, 36, 36]
    assert [chord_grid((6, 8), r) for r in ("beat", "half", "bar")] == [18, 18, 36]
    with pytest.raises(ValueError, match="harmonic rhythm"):
        chord_grid((4, 4), "often")
    generator = Generator(load(tiny_model[0]).weights)
    free = generator.generate(GenerationSettings(count=12, bars_per_section=2, seed=5))
    assert any(c.onset % 24 for i in free for c in i.chords)  # the model alone: anywhere
    for meter, rhythm in (((4, 4), "half"), ((4, 4), "bar"), ((3, 4), "half"), ((6, 8), "beat")):
        ideas = generator.generate(
            GenerationSettings(count=12, bars_per_section=2, seed=5, meter=meter, harmonic_rhythm=rhythm)
        )
        grid = chord_grid(meter, rhythm)
        for idea in ideas:
            assert idea.meter == meter and all(c.onset % idea.bar_ticks % grid == 0 for c in idea.chords)
            assert {c.onset // idea.bar_ticks for c in idea.chords} == set(range(idea.bars))
            assert read_ideas(idea_to_midi(idea)) == [idea]


def test_a_chord_being_voiced_counts_for_its_bar():
    """Right after the bar's first chord is voiced, the bar may close (a chord for the
    whole bar) and, with a grid, a melody note may start off the grid."""
    from songsketch.engine.generation.constraints import ConstrainedGrammar, constraints_for

    plan = (Section("verse", 2), Section("chorus", 2))
    for rhythm in (None, "bar"):
        g = ConstrainedGrammar(
            key=Key(0),
            meter=(4, 4),
            tempo=100,
            plan=plan,
            constraints=constraints_for(harmonic_rhythm=rhythm),
        )
        while g.state is not State.IN_BAR:
            g.feed(int(np.flatnonzero(g.allowed())[0]))
        for token in (VOCAB.pos(0), VOCAB.chord(0, ""), VOCAB.bass(48), VOCAB.up(7)):
            g.feed(token)
        allowed = g.allowed()
        assert g.state is State.VOICING and allowed[VOCAB.BAR]
        assert allowed[VOCAB.pos(6)]  # a note off the grid
        assert g.choices()[0][VOCAB.BAR]  # and the memo agrees


def test_decoders_on_two_threads_share_one_blas_limit():
    from threadpoolctl import threadpool_info, threadpool_limits

    from songsketch.engine.generation.blas import one_blas_thread

    def blas() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    with threadpool_limits(2, user_api="blas"):
        before = blas()
        first, second = one_blas_thread(), one_blas_thread()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)  # the first out while the second decodes
        assert blas() == {1}
        second.__exit__(None, None, None)  # the last out restores
        assert blas() == before


def test_cli_generate_writes_one_midi_per_idea(tiny_model, tmp_path):
    out = tmp_path / "ideas"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "generate",
            "--count",
            "3",
            "--out",
            str(out),
            "--model",
            str(tiny_model[0]),
            "--bars",
            "2",
            "--seed",
            "1",
            "--chords",
            "bar",
            "--key",
            "Am",
            "--musicxml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    files = sorted(out.glob("*.mid"))
    assert len(files) == 3
    for path in files:
        (idea,) = read_ideas(path)
        assert idea.key == Key(9, "minor") and idea.bars == 4
        assert all(c.onset % idea.bar_ticks == 0 for c in idea.chords)
        assert path.name in proc.stdout  # a line per idea names its file
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


def test_decoding_keeps_blas_to_one_thread_and_restores_it(tiny_model):
    """A second BLAS thread only waits for a busy core on these small matrices: decoding
    runs BLAS single-threaded and gives the previous setting back afterwards."""
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    generator = Generator(load(tiny_model[0]).weights)
    seen = []
    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        # the cancel poll runs inside the decoding loop, every 16 steps
        generator.generate(
            GenerationSettings(count=3, bars_per_section=2, seed=1),
            cancel=lambda: seen.append(blas_threads()) or False,
        )
        assert blas_threads() == before
    assert len(seen) >= 2 and all(s == {1} for s in seen)
    import os

    assert before == {2} or (os.cpu_count() or 1) < 2  # OpenBLAS caps threads at the cores


def test_rows_shown_depend_on_row_order_not_on_finishing_first():
    """Extra rows must not favour ideas that finish sooner (short, sparse ones): whatever
    the finishing order, the shown rows are the first ``need`` that pass, each released as
    soon as no unfinished row before it could push it out."""
    import itertools
    import random

    from songsketch.engine.generation.rows import RowPicker

    passes = [True, False, True, True, False, True, True]  # rows 1 and 4 are refused
    need = 4
    expected = [0, 2, 3, 5]
    orders = list(itertools.permutations(range(len(passes))))
    for order in random.Random(0).sample(orders, 300) + [tuple(range(7)), tuple(range(6, -1, -1))]:
        picker, shown = RowPicker(len(passes), need), []
        for row in order:
            released = picker.finish(row, row if passes[row] else None)
            shown += released
            done_rows = set(order[: order.index(row) + 1])
            for r in released:  # sure: the rows before it that may still pass are too few
                unsure = [x for x in range(r) if x not in done_rows]
                assert sum(1 for x in range(r) if x in done_rows and passes[x]) + len(unsure) < need
            for r in done_rows:  # and nothing sure is held back
                ahead = sum(1 for x in range(r) if x not in done_rows or passes[x])
                assert (r in shown) == (passes[r] and ahead < need), (order, row, r)
            if picker.settled:
                break
        assert sorted(shown) == expected, order
        assert picker.settled and len(shown) == need
    # in row order every passing row is released the moment it finishes
    picker = RowPicker(3, 3)
    assert [picker.finish(r, r) for r in range(3)] == [[0], [1], [2]]


def test_keep_chords_new_melody_and_keep_melody_new_chords(tiny_model):
    generator = Generator(load(tiny_model[0]).weights)
    [idea] = generator.generate(GenerationSettings(count=1, bars_per_section=2, seed=5))
    new_melody = generator.regenerate(idea, "chords", GenerationSettings(seed=9), count=3)
    for other in new_melody:
        other.validate()
        assert other.chords == idea.chords and other.sections == idea.sections
    assert any(o.melody != idea.melody for o in new_melody)
    new_chords = generator.regenerate(idea, "melody", GenerationSettings(seed=9), count=3)
    from songsketch.engine.music.chords import chord_pcs

    for other in new_chords:
        other.validate()
        assert other.melody == idea.melody
        for c in other.chords:  # a new chord holds the kept note sounding where it starts
            under = [n for n in idea.melody if n.onset <= c.onset < n.end]
            assert all(n.pitch % 12 in chord_pcs(c.root, c.quality) for n in under)
    assert any(o.chords != idea.chords for o in new_chords)
    # new chords keep a harmonic rhythm asked for: here at most one per half bar
    half = generator.regenerate(idea, "melody", GenerationSettings(seed=9, harmonic_rhythm="half"), count=3)
    for other in half:
        assert other.melody == idea.melody
        assert other.chords and all(c.onset % (other.bar_ticks // 2) == 0 for c in other.chords)


def test_continue_from_a_primer(tiny_model, chorale_songs):
    generator = Generator(load(tiny_model[0]).weights)
    primer = chorale_songs[0].ideas[0]
    out = generator.continue_primer(primer, GenerationSettings(count=3, bars_per_section=4, seed=2))
    two_bars = 2 * primer.bar_ticks
    for idea in out:
        idea.validate()
        assert idea.key == primer.key and idea.meter == primer.meter
        # the first bars are the primer's (notes cut at the primer's end excepted)
        assert [c for c in idea.chords if c.onset < two_bars] == [
            c for c in primer.chords if c.onset < two_bars
        ]
        assert [n.pitch for n in idea.melody if n.onset < two_bars] == [
            n.pitch for n in primer.melody if n.onset < two_bars
        ]


def test_fine_tuning_starts_from_the_base_weights(tiny_model, chorale_songs, tmp_path):
    base = load_keras_model(tiny_model[0])
    # a zero learning rate leaves the start untouched: the result is the base model's weights
    result = train(
        chorale_songs[:6],
        tmp_path / "tuned",
        TrainSettings(epochs=1, learning_rate=0.0, val_fraction=0.3),
        base_model=tiny_model[0],
    )
    tuned = load_keras_model(result.folder)
    for a, b in zip(base.get_weights(), tuned.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert result.card["base"] == "fine-tuned from tiny"


def test_cancel_keeps_the_previous_model(tiny_model, chorale_songs, tmp_path):
    import shutil

    folder = tmp_path / "mine"
    shutil.copytree(tiny_model[0], folder)
    before = (folder / "current.json").read_text()
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(TrainingCancelled):
        train(
            chorale_songs, folder, TrainSettings(epochs=5, val_fraction=0.2), base_model=folder, cancel=cancel
        )
    assert (folder / "current.json").read_text() == before
    assert load(folder).card["name"] == "tiny"


def test_damaged_or_missing_model_is_refused(tmp_path, tiny_model):
    with pytest.raises(ModelError, match="not found"):
        load(tmp_path / "nothing")
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model[0], broken)
    pointer = json.loads((broken / "current.json").read_text())
    (broken / pointer["weights"]).write_bytes(b"garbage")
    with pytest.raises(ModelError, match="damaged"):
        load(broken)


DISTRIBUTED = r"""
import os, sys, json
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from songsketch.engine.data.corpus import builtin_paths, load_files
from songsketch.engine.ml.model import ModelConfig
from songsketch.engine.ml.training import TrainSettings, train
paths = [p for p in builtin_paths() if p.name in ("bwv66.6.mxl", "bwv1.6.mxl", "bwv10.7.mxl", "bwv101.7.mxl")]
songs = load_files(paths, None, melody_first=True).songs
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
result = train(songs, sys.argv[1], TrainSettings(epochs=2, batch_size=8, val_fraction=0.25,
               config=ModelConfig(embed_dim=16, units=32, layers=1, dropout=0.0)), strategy=strategy)
print(json.dumps({"replicas": strategy.num_replicas_in_sync, "history": result.history}))
"""


def test_training_runs_under_mirrored_strategy(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", DISTRIBUTED, str(tmp_path / "dist")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["replicas"] == 2 and len(out["history"]) == 2
    load(tmp_path / "dist")


def test_memoised_masks_match_the_grammar_everywhere():
    """Rows share one mask cache; every memoised mask must equal the freshly computed one,
    over whole ideas drawn at random from what the grammar allows (no model needed)."""
    from songsketch.engine.generation.constraints import ConstrainedGrammar, constraints_for

    rng = np.random.default_rng(0)
    plan = (Section("verse", 3), Section("chorus", 3))
    checked = 0
    for meter, shift, rhythm, register in (
        ((4, 4), 0, None, True),
        ((3, 4), 5, None, True),
        ((6, 8), -4, "half", True),
        ((4, 4), 0, "beat", False),
    ):
        cache: dict = {}
        rows = [
            ConstrainedGrammar(
                key=Key(0),
                meter=meter,
                tempo=100,
                plan=plan,
                cache=cache,
                constraints=constraints_for(shift=shift, harmonic_rhythm=rhythm, keep_register=register),
            )
            for _ in range(24)
        ]
        while not all(g.done for g in rows):
            for g in rows:
                if g.done:
                    continue
                mask, forced, _, _ = g.choices()
                fresh = g.allowed()
                assert np.array_equal(mask, fresh), (g.state, g.pos)
                allowed = np.flatnonzero(fresh)
                assert forced == (allowed[0] if len(allowed) == 1 else -1)
                # lean towards closing bars so ideas finish; otherwise uniform
                closing = [t for t in g.end_of_bar_tokens() if fresh[t]]
                token = closing[0] if closing and rng.random() < 0.15 else rng.choice(allowed)
                g.feed(int(token))
                checked += 1
        for g in rows:
            g.idea().validate()
        assert 0 < len(cache) < checked  # shared and hit, even by random rows
    assert checked > 1000


def test_nucleus_sampling_keeps_only_the_top_mass():
    from songsketch.engine.generation.sampling import sample

    probs = np.array([[0.5, 0.3, 0.15, 0.05, 0.0]] * 4000)
    draws = sample(probs, np.random.default_rng(1), top_p=0.8)
    counts = np.bincount(draws, minlength=5) / len(draws)
    assert counts[2] == counts[3] == counts[4] == 0  # 0.5 + 0.3 reach 0.8
    assert abs(counts[0] - 0.625) < 0.03  # renormalised 0.5 / 0.8
    full = np.bincount(sample(probs, np.random.default_rng(2), top_p=1.0), minlength=5) / 4000
    assert full[4] == 0 and abs(full[3] - 0.05) < 0.015


def test_ideas_without_rhythm_are_redrawn():
    """A melody in one or two note lengths is not shaped well enough to show."""
    from songsketch.engine.generation.generator import well_shaped
    from songsketch.engine.music.idea import Chord, Idea, Note

    plan = (Section("verse", 1), Section("chorus", 1))
    chords = (Chord(0, "", 0, 48, (48, 52, 55)), Chord(7, "", 48, 48, (43, 50, 55)))

    def idea(lengths):
        notes, t = [], 0
        for i, d in enumerate(lengths):
            notes.append(Note(72 + i % 3, t, d))
            t += d
        return Idea(Key(0), 100, (4, 4), plan, chords, tuple(notes))

    assert not well_shaped(idea([12] * 8))  # all quarters
    assert not well_shaped(idea([12, 12, 24, 12, 12, 24]))  # quarters and halves only
    assert well_shaped(idea([12, 6, 6, 24, 12, 12, 18, 6]))  # three lengths, both sections


def test_single_row_draw_follows_the_same_rules():
    """The plain-Python draw used when one row has a choice agrees with the batched draw:
    temperature, masks, nucleus, and the closing tokens' mass moved to the allowed one."""
    from songsketch.engine.generation.sampling import CLOSING_TOKENS, draw_one, draw_rows

    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05, 0.4], np.float32))
    allowed = np.array([True, True, True, True, False])  # the last column is masked
    cols = np.arange(5) + 100  # no closing tokens among them
    rng = np.random.default_rng(5)
    draws = [draw_one(logits, allowed, False, cols, rng, 0.8, 1.0) for _ in range(4000)]
    counts = np.bincount(draws, minlength=5) / len(draws)
    assert counts[2] == counts[3] == counts[4] == 0
    assert abs(counts[0] - 0.625) < 0.03
    cold = [draw_one(logits, allowed, False, cols, rng, 1.0, 0.05) for _ in range(200)]
    assert set(cold) == {0}  # a low temperature takes the top

    # closing tokens: all their mass goes to the one allowed (BAR), the others are masked
    cols = np.union1d(CLOSING_TOKENS, [100, 101, 102])
    z = np.random.default_rng(0).normal(size=len(cols)).astype(np.float32)
    ok = np.isin(cols, [100, 101, 102, VOCAB.BAR])
    one = [draw_one(z, ok, True, cols, rng, 0.95, 0.9) for _ in range(6000)]
    rows = draw_rows(np.tile(z, (6000, 1)), np.tile(ok, (6000, 1)), True, cols, rng, 0.95, 0.9)
    f_one = np.bincount(one, minlength=len(cols)) / 6000
    f_rows = np.bincount(rows, minlength=len(cols)) / 6000
    assert f_one[~ok].sum() == f_rows[~ok].sum() == 0
    assert np.abs(f_one - f_rows).max() < 0.03
    # without the nucleus, BAR's share is exactly all closing mass over all allowed mass
    bar = int(np.flatnonzero(cols == VOCAB.BAR)[0])
    full = draw_rows(np.tile(z, (6000, 1)), np.tile(ok, (6000, 1)), True, cols, rng, 1.0, 0.9)
    p = np.exp(z.astype(np.float64) / 0.9)
    closing_mass = p[np.isin(cols, CLOSING_TOKENS)].sum()
    expected = closing_mass / (closing_mass + p[np.isin(cols, [100, 101, 102])].sum())
    assert abs(np.mean(full == bar) - expected) < 0.025
