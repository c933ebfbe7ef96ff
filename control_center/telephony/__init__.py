"""Telephony: calls and SMS to the premises and the emergency contacts, IVR house-code entry (issue 5)."""
