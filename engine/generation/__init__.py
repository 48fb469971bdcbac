"""Generation: a NumPy LSTM decodes many ideas at once under grammar constraints."""
