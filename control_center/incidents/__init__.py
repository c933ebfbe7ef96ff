"""Incidents: one per premises and service while open; signals join it."""
