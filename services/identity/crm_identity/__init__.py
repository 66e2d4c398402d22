"""identity: users, credentials, departments, roles, tokens and signing keys of the CRM."""
