"""Benchmarks run as commands (`control-center bench …`): each measures its baseline in the same run."""
