"""identity's adapters: database, password hashing, token signing, gRPC servicers, metrics."""
