"""Data shipped with hsba-conformance (criteria/), found through importlib.resources."""
