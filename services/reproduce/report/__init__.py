"""The run report: a run's provenance, the calibration of the qubits it used, its counts next to
each reproduction's, the reproductions' verdicts and its card's badges, as JSON or as a page.

``model`` assembles the JSON (pure), ``histogram`` draws the counts as SVG and ``page`` the HTML
(pure, escaped); ``build`` reads what they need from the read model.
"""
