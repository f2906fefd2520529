"""JSON Schemas of the project's own outputs."""
