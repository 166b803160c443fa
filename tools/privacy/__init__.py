"""Personal data in French text: the identifiers our own recognisers find (``identifiers``).
The pseudonymisation built on them (Presidio with a spaCy French pipeline for names) comes with
issue 11; nothing calls this package yet."""
