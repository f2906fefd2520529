"""The built-in probes, one module per area. Importing this package registers them."""

from conformance.probes import access, audit, documents, integrity, signatures  # noqa: F401
