"""A generic FHIR R4 adapter: any EMR exposing a FHIR R4 REST API (see :mod:`.adapter`)."""
