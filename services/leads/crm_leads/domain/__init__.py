"""Domain model of leads: plain Python, no I/O."""
