"""Op families: each op computes with NumPy and records a Node with its backward."""
