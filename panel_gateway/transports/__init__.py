"""Transports: thin loops that read frames, call the pure decoders and hand the results to the group
commit (``panel_gateway/group_commit.py``), answering only after it."""
