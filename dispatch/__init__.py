"""Dispatch: depots, responders, nearest-responder assignment, keys and on-site reports (issue 6)."""
