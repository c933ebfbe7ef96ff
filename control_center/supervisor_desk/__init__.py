"""The shift supervisor's desk: live figures, bulk handling in a disaster, the legal alarm record."""
