"""Data shipped with hsba-conformance (reports/), found through importlib.resources."""
