"""The engine's one public face: everything the window and the command line use.

Front ends import from here only (an import-linter contract holds them to it), so the layers
beneath can be rearranged without touching them; it exports names, never modules, so nothing
beneath is reached through it. Importing this module is cheap: TensorFlow
is imported only when training starts, music21 only when a score is read or written.
"""

from __future__ import annotations

from ..assess.originality import DEFAULT_MAX_CHORD_BARS, DEFAULT_MAX_NOTES, Guard, OriginalityReport
from ..audio import AUDIO_SUFFIXES, hear_singing, hear_sung_file, read_audio
from ..audio import MAX_SECONDS as MAX_SUNG_SECONDS
from ..common.files import atomic_write, safe_filename
from ..common.paths import HOME_VARIABLE, Home, default_model_dir
from ..data.corpus import (
    MUSIC_SUFFIXES,
    Corpus,
    CorpusError,
    FileReport,
    Song,
    analyse_path,
    load_builtin,
    load_folder,
)
from ..data.library import Entry, Library
from ..data.pop909 import is_pop909_folder, load_pop909
from ..formats.midi import MidiError, idea_to_midi, read_ideas, write_midi
from ..formats.musicxml import write_musicxml
from ..formats.progression import (
    ProgressionError,
    TypedProgression,
    chord_chart,
    progression_idea,
    typed_progression,
)
from ..generation.constraints import HARMONIC_RHYTHMS
from ..generation.generator import Cancelled, GenerationSettings
from ..generation.shape import MELODY_ALONE, check_parts
from ..ml.advice import MusicAmount, beats_base, music_amount, outcome_words, still_improving, style_words
from ..ml.card import ModelCard
from ..ml.model import ModelConfig
from ..ml.store import LoadedModel, ModelError, list_models, read_card
from ..ml.training import TrainingCancelled, TrainingError, TrainProgress, TrainResult, TrainSettings, train
from ..music.chords import SHARP_NAMES
from ..music.idea import (
    ALL_KEYS,
    MAX_SECTION_BARS,
    MELODY_RANGE,
    METERS,
    TEMPO_RANGE,
    TICKS_PER_BEAT,
    VOICING_RANGE,
    Chord,
    Idea,
    Key,
    Note,
    Section,
    bar_ticks,
    beat_ticks,
)
from ..playback.player import (
    CHORD_CHANNEL,
    MELODY_CHANNEL,
    Player,
    PortOutput,
    duration_seconds,
    idea_events,
    list_output_ports,
    seconds_per_tick,
)
from ..playback.player import note_off as midi_note_off
from ..playback.player import note_on as midi_note_on
from ..playback.player import program_change as midi_program_change
from ..playback.recorder import Recorder, list_input_ports, recorded_idea
from ..playback.sound import (
    DEFAULT_ROOM,
    DEFAULT_VOLUME,
    GM_NAMES,
    ROOMS,
    SAMPLE_RATE,
    Instruments,
    SoundFontError,
    fallback_note,
    fallback_performance,
    idea_performance,
    note_performance,
    open_font,
    prepare_rooms,
    program_number,
    to_pcm16,
    write_wav,
)
from .evaluate import Evaluation, evaluate_model
from .requests import GenerateRequest, GenerationRequest, InfillRequest, RegenerateRequest, TrainJob
from .session import Engine, GenerationSummary, idea_name

__all__ = [
    # generating: the engine, what it is asked, what it says back
    "Engine",
    "GenerationSummary",
    "idea_name",
    "GenerateRequest",
    "RegenerateRequest",
    "InfillRequest",
    "GenerationRequest",
    "GenerationSettings",
    "Cancelled",
    "HARMONIC_RHYTHMS",
    "check_parts",
    "MELODY_ALONE",
    # originality: how much an idea shares with the training songs
    "Guard",
    "OriginalityReport",
    "DEFAULT_MAX_NOTES",
    "DEFAULT_MAX_CHORD_BARS",
    # the music: ideas, their parts, keys and meters
    "Idea",
    "Section",
    "Chord",
    "Note",
    "Key",
    "ALL_KEYS",
    "SHARP_NAMES",
    "METERS",
    "TEMPO_RANGE",
    "MAX_SECTION_BARS",
    "MELODY_RANGE",
    "VOICING_RANGE",
    "TICKS_PER_BEAT",
    "bar_ticks",
    "beat_ticks",
    # files: MIDI, MusicXML, typed chords; written whole, with safe names
    "read_ideas",
    "write_midi",
    "idea_to_midi",
    "MidiError",
    "write_musicxml",
    "progression_idea",
    "typed_progression",
    "chord_chart",
    "TypedProgression",
    "ProgressionError",
    "atomic_write",
    "safe_filename",
    # where things are kept
    "Home",
    "HOME_VARIABLE",
    "default_model_dir",
    # songs to learn from, and the library of ideas
    "Corpus",
    "CorpusError",
    "Song",
    "FileReport",
    "MUSIC_SUFFIXES",
    "analyse_path",
    "load_builtin",
    "load_folder",
    "is_pop909_folder",
    "load_pop909",
    "Library",
    "Entry",
    # models: loading, training, evaluating
    "LoadedModel",
    "ModelCard",
    "ModelError",
    "ModelConfig",
    "list_models",
    "read_card",
    "train",
    "TrainJob",
    "TrainSettings",
    "TrainProgress",
    "TrainResult",
    "TrainingError",
    "TrainingCancelled",
    "MusicAmount",
    "music_amount",
    "beats_base",
    "outcome_words",
    "still_improving",
    "style_words",
    "Evaluation",
    "evaluate_model",
    # playing to a MIDI port
    "Player",
    "PortOutput",
    "list_output_ports",
    "idea_events",
    "duration_seconds",
    "seconds_per_tick",
    "CHORD_CHANNEL",
    "MELODY_CHANNEL",
    "midi_program_change",
    "midi_note_on",
    "midi_note_off",
    # recording from a MIDI keyboard
    "Recorder",
    "list_input_ports",
    "recorded_idea",
    # hearing a sung or hummed melody (a microphone's samples or a WAV/FLAC/OGG file)
    "hear_singing",
    "hear_sung_file",
    "read_audio",
    "AUDIO_SUFFIXES",
    "MAX_SUNG_SECONDS",
    # the built-in synth
    "open_font",
    "SoundFontError",
    "Instruments",
    "program_number",
    "GM_NAMES",
    "ROOMS",
    "DEFAULT_ROOM",
    "DEFAULT_VOLUME",
    "prepare_rooms",
    "idea_performance",
    "note_performance",
    "fallback_performance",
    "fallback_note",
    "SAMPLE_RATE",
    "to_pcm16",
    "write_wav",
]
