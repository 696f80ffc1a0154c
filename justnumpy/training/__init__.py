"""Training: settings, batches and their distorter, checkpoints, callbacks, the doctor, recipes, CPU.

train.py runs the loop.
"""
