"""Control center: the signal inbox, incidents and their flows, the operator console, the JSON API and
the command line. The root modules compose it (``app``, ``runtime``, ``models``, ``migrate``); the
layers are in docs/architecture.md."""
