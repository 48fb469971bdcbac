"""An idea as tokens: the vocabulary, the lossless encoding and the grammar state machine."""
