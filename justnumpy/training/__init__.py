"""Training: the settings, the batches, checkpoints, callbacks, the doctor, the recipes (train.py runs the loop)."""
