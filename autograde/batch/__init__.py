"""Grading a whole class: journal, workers, the run loop and its outputs."""
