"""Alarm signals as the control center sees them: service types, priorities, classification, the inbox."""
