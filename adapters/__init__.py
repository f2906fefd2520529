"""How the harness reaches a candidate EMR: the adapter protocol and the built-in adapters."""
