"""reporting's adapters: the event translation, the SQLAlchemy event store and read models, the
unit of work, the gRPC servicer with its mapping, and the metrics."""
