"""The entrypoint kit: what a service's ``entrypoints/api.py`` and ``entrypoints/worker.py``
are made of (:mod:`crm_chassis.entrypoints.api`, :mod:`crm_chassis.entrypoints.worker`)."""
