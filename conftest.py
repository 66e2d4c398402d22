# Every test session on its own RabbitMQ virtual host with the services' broker users
# (crm_chassis.pytest_broker); loaded before any test module imports crm_chassis.testing.
pytest_plugins = ["crm_chassis.pytest_broker"]
