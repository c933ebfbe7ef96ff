"""Simulated home panels, households, responders and signal storms for the demo, tests and benchmarks."""
