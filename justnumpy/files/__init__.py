"""Files in and out: model files (.npz, never pickled) and your own images of digits."""
