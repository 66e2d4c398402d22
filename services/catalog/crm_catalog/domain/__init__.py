"""The catalog's model and rules: plain Python, exact decimals, no I/O."""
