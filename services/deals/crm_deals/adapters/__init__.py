"""Adapters (next session): SQLAlchemy repositories and the unit of work over them, the invoice
number sequence (row-locked counter per year), the gRPC servicers, the nameko event handlers
(lead_converted, membership_changed, the automation commands), and the clients of territory
(scopes, team directory) and catalog (PriceQuote), the SMTP sender and the webhook caller."""
