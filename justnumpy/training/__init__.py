"""Training: settings, batches, checkpoints, callbacks, the doctor, recipes (train.py runs the loop)."""
