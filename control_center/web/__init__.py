"""The web shell every page and API of the center uses: ``templates`` (the Jinja environment, ``render``),
``locale``, ``flash``, ``stream`` (the live event stream), ``actions`` (an operator's action on an
incident, then back to its page), ``formatting`` and ``api_types``. It imports only ``control_center.core``:
no feature, not even access (the guard leaves the CSRF token on ``request.state``). Features' views
import it; it imports none of them."""
