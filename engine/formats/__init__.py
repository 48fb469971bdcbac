"""File formats and analysis: MIDI in and out (mido), MusicXML (music21), hearing keys,
melody and chords in a score."""
