"""The shared kernel every part of the center builds on: database, settings, translation, time, tasks,
the audit log, the process bus. It imports nothing else of the project."""
