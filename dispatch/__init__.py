"""Dispatch: depots, responders, the nearest free responder, keys, on-site reports, the responder's view."""
