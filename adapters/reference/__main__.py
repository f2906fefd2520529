"""``python -m conformance.adapters.reference serve|faults``."""

from conformance.adapters.reference.cli import main

raise SystemExit(main())
