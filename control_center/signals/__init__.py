"""The center's signal inbox: what a signal is (the table), what it means (service types and the
classification table) and the one interface through which the gateway writes it (intake)."""
