"""The protocol every front end and the core share: msgspec Structs only.

This package imports nothing else of codeloop (a test pins that), so any front end, SDK or tool can
depend on it alone. Submodules:

- :mod:`~codeloop.protocol.items`: response items (the conversation, as the Responses API sees it)
- :mod:`~codeloop.protocol.response_events`: what a model client yields while a response streams
- :mod:`~codeloop.protocol.usage`: token usage
- :mod:`~codeloop.protocol.policy`: approval and sandbox policies, review decisions
- :mod:`~codeloop.protocol.ops`: operations (front end to session)
- :mod:`~codeloop.protocol.events`: events (session to front ends)
- :mod:`~codeloop.protocol.rollout`: rollout file lines
- :mod:`~codeloop.protocol.exec_json`: the ``exec --json`` event stream
"""
