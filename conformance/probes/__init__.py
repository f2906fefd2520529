"""The built-in probes, one module per area. Importing this package registers them."""

from conformance.probes import (  # noqa: F401
    access,
    audit,
    exports,
    integrity,
)
