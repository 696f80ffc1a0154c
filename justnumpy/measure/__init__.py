"""Measuring it: the speed benchmark, the width and batch sweeps, and the accuracy ladder."""
