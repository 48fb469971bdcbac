"""Hostile input: any bytes given to the MIDI reader and any tokens given to the decoder end
in a result or a clear ValueError, never another exception."""

import random

import mido
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from songsketch.engine.formats.midi import read_ideas
from songsketch.engine.tokens.encoding import decode, encode
from songsketch.engine.tokens.vocab import VOCAB
from tests.helpers import midi_bytes, notes_to_messages, random_idea

Q = 480


def _valid_file() -> bytes:
    chords = [(p, b * 4 * Q, (b + 1) * 4 * Q, 70) for b in range(2) for p in (48, 52, 55)]
    melody = [(72 + i % 3, i * Q, (i + 1) * Q, 90) for i in range(8)]
    return midi_bytes([notes_to_messages(chords, 0), notes_to_messages(melody, 1)])


VALID = _valid_file()


def _read(data: bytes) -> None:
    try:
        ideas = read_ideas(data)
    except ValueError as exc:
        assert str(exc)  # a reason, never an empty message
        return
    for idea in ideas:
        idea.validate()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _read(data)
    _read(b"MThd" + data)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=8),
    st.integers(10, len(VALID)),
)
def test_corrupted_valid_files(edits, cut):
    data = bytearray(VALID[:cut])
    for pos, value in edits:
        if pos < len(data):
            data[pos] = value
    _read(bytes(data))


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 2_000_000),
    st.integers(1, 30),
    st.sampled_from([1, 2, 3, 5, 7, 11, 13]),
    st.sampled_from([1, 2, 4, 8, 16, 32]),
)
def test_absurd_tempo_meter_and_delta_times(tempo, gap, numerator, denominator):
    meta = [
        mido.MetaMessage("set_tempo", tempo=min(tempo, 16_777_215)),
        mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator),
    ]
    chords = [(p, 0, gap * Q, 70) for p in (48, 52, 55)]
    melody = [(72, 0, gap * Q, 90), (74, gap * Q * 50, gap * Q * 51, 90)]
    _read(midi_bytes([notes_to_messages(chords, 0, meta=meta), notes_to_messages(melody, 1)]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, len(VOCAB) - 1), max_size=60))
def test_any_token_sequence_decodes_or_says_why(tokens):
    try:
        idea = decode(tokens)
    except ValueError as exc:
        assert "token" in str(exc) or "EOS" in str(exc)
        return
    idea.validate()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 400), st.integers(0, len(VOCAB) - 1))
def test_one_wrong_token_in_a_real_sequence(seed, position, token):
    tokens = encode(random_idea(random.Random(seed), max_bars=2))
    tokens[position % len(tokens)] = token
    try:
        decode(tokens).validate()
    except ValueError:
        pass


def test_huge_and_odd_files(tmp_path):
    # 100k notes: read or refused with a reason, within the reader's limits
    many = [(60 + i % 24, i * 10, i * 10 + 9, 80) for i in range(100_000)]
    _read(midi_bytes([notes_to_messages(many)]))
    # one note, zero tracks, a single lonely chord
    _read(midi_bytes([notes_to_messages([(60, 0, Q, 80)])]))
    _read(midi_bytes([]))
    _read(midi_bytes([notes_to_messages([(48, 0, Q, 80), (52, 0, Q, 80), (55, 0, Q, 80)])]))
