"""Measuring it: the speed benchmark, the width and batch sweeps, the accuracy ladder, the why experiments."""
