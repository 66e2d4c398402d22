"""crmctl: command line of the CRM platform."""
