"""Seeing it learn: the pictures of `justnumpy plot` and the step-by-step trace of `justnumpy explain`."""
