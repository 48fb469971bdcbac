"""Playback: a scheduler that sends an idea's MIDI to an output, and a simple built-in synth."""
