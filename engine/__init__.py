"""Songsketch's engine: pure Python, NumPy, mido, music21 and (for training) TensorFlow.

Never imports Qt or a front end. Subpackages form layers, each importing only those below
it (checked by import-linter, see ``pyproject.toml``), lowest first:

    common      the home folder, atomic writes
    music       keys, chords, the idea (frozen dataclasses)
    tokens      vocabulary, encoding, grammar
    formats     MIDI, MusicXML, score analysis
    data | assess | playback     corpora and the library; originality and metrics; playback
    ml          the Keras model, model folders, weights, training
    generation  batched NumPy decoding under grammar constraints
    api         the facade the window and the command line use
"""
