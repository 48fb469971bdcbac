"""The musical types: keys, chords and their names, the idea (chords + melody + sections)."""
