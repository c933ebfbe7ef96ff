"""Billing: contracts, cancellation fees, deposits, invoices with tax, dunning, claims (issue 7)."""
