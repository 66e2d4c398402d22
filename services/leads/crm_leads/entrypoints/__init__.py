"""leads' processes: the api (gRPC servicers on the chassis server), the nameko worker (event
handlers, conversion dispatch and rescoring timers), their settings and the wiring of the use
cases' dependencies."""
