"""Territory service: sales organisation, teams and memberships, sales lines and targets,
territories and lead routing, and the access decisions every other service enforces."""
