"""CLI commands, one module per topic; each module defines ``register(app)``.

``dlnscape.cli`` discovers every module here, so adding a command touches one file.
"""
