"""The built-in probes, one module per area. Importing this package registers them."""

from conformance.probes import access, audit, integrity  # noqa: F401
from conformance.probes import exports  # noqa: F401
