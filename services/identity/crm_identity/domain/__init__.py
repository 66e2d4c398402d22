"""identity's domain model: plain Python, no I/O, no framework imports."""
