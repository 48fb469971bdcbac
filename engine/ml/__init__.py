"""The model: the Keras LSTM, model folders (atomic save, cards), weights without TensorFlow,
and training."""
