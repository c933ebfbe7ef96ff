"""Panel gateway: receives signals from home controllers, stores each one, then acknowledges it."""
