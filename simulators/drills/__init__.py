"""`control-center drill …`: something fails (the database, the gateway, the broker) or floods the
center while signals keep coming; at the end every signal must be stored exactly once and the alarms
must still reach the console in time."""
