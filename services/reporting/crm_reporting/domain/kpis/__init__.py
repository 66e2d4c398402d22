"""One module per KPI: pure functions from deal facts (and the structure) to figures. Each is
defined in docs/services/reporting.md and tested on hand-computed fixtures."""
