"""The local dev runner behind ``make run`` (``crm-dev run``): migrate, declare the broker
topology, start every process of every service with prefixed output, stop all together."""
