"""The territory model and its rules: plain Python, no I/O, no transport or database imports."""
