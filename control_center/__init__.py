"""Control center: classification, incidents, the operator console and the JSON API."""
