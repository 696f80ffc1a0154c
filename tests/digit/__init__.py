"""Tests of "your own digit": preprocessing, predict, the serve API and the page in Chromium."""
