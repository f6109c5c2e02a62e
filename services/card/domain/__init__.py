"""The card service's pure domain: no I/O, no clock, no id generation.

Everything here is a function of its arguments, so the projection (which must rebuild an
identical read model on replay) and the request handlers can share it. Import from the
submodules; this package re-exports nothing so that importing, say, the badge renderer does
not pull in qiskit (needed only by :mod:`.reproduction`).

* :mod:`.slugs` - readable, stable, unique card slugs
* :mod:`.model` - the card, its authors, run and reproduction summaries
* :mod:`.lifecycle` - publish / unpublish transitions (the Zenodo concept/version model)
* :mod:`.citation` - BibTeX, CSL-JSON, RIS, CITATION.cff and format negotiation
* :mod:`.badges` - shields.io endpoint JSON and flat SVG badges
* :mod:`.http_cache` - strong ETags and ``If-None-Match``
* :mod:`.reproduction` - program equivalence and Hellinger scoring of reproductions
* :mod:`.html` - the card page, the embed snippet and oEmbed
* :mod:`.views` - the public card JSON; :mod:`.links` - every public URL of a card
"""

__all__: list[str] = []
