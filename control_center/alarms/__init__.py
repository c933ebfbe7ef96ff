"""What the center does about an alarm over time: each service's action plan, the timers (life watch,
set-forget check, return call), the sweeper that fires deadlines, and the trips API that sets them.
Service types and classification are in ``control_center/signals/``; the inbox worker in ``incidents/``."""
