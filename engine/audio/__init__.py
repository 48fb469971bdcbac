"""Sung or hummed audio heard as a melody: reading sound files, tracking the voice's pitch,
cutting it into notes, and hearing those notes as a melody-only idea the way a phrase played
on a MIDI keyboard is heard (``playback/recorder.py``: the tempo from the rhythm, notes on
16ths or triplets, the key). librosa is imported only when a recording is heard.
"""

from .reading import AUDIO_SUFFIXES, MAX_SECONDS, read_audio
from .singing import hear_singing, hear_sung_file

__all__ = ["AUDIO_SUFFIXES", "MAX_SECONDS", "hear_singing", "hear_sung_file", "read_audio"]
