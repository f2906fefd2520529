"""The built-in probes, one module per area. Importing this package registers them."""

import conformance.probes.cv365  # noqa: F401  (CV 365 record export)
from conformance.probes import access, audit, documents, exports, integrity, signatures  # noqa: F401
