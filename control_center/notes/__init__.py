"""Free-text notes on incidents (any time, also after closing) and the shift handover built on them."""
