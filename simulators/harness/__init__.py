"""What benches and drills run on: private brokers and databases, the center as a child process or
in this one, commissioned panel identities, and the figures they report."""
