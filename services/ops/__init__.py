"""Operator tools: the ``ql dev``, ``ql ops``, ``ql admin`` and ``ql corpus`` commands.

They are the server's part of the ``ql`` command line, added to the SDK's ``ql`` through the
``quantumledger.cli`` entry point (:func:`services.ops.plugin.register`), so an SDK installed
alone has no server commands and imports no server code. Like ``services.registry``, this package
is the stack's composition root: it may import every service; no service imports it.
"""
