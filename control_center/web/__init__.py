"""The web shell every page and API of the center uses: rendering, templates, the live event stream,
the action runner, formatting, error pages. It imports no feature; features' views import it."""
