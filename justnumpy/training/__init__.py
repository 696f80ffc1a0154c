"""Training: settings, batches, checkpoints, callbacks, the doctor, recipes, CPU.

train.py runs the loop.
"""
