"""Subscribers, their premises, subscribed services, emergency contacts and panel accounts."""
