"""Implementation files of dygrad.nn.functional (imported through nn/functional.py)."""
