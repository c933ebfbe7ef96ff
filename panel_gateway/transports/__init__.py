"""Transports: thin loops that read frames, call the pure decoders and hand the results to Ingest."""
