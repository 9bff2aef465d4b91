"""The instructors' solutions, one module per exercise, with the same API as `exercises/`."""
