"""The package's own tests: the engine, the CLI, and every grader against known submissions."""
