"""``crm-dev demo``: a realistic company seeded into ``make run``'s platform through the public
gRPC APIs only (docs/operations.md, "Demo company").

- :mod:`.names`, :mod:`.company`, :mod:`.records`: the company as data, from a fixed seed (pure);
- :mod:`.calls`: one person's calls, import streams, waiting for the platform to catch up;
- :mod:`.organisation`, :mod:`.leads`, :mod:`.history`, :mod:`.verify`: the seeding steps, each
  reading its effect back through the API;
- :mod:`.platform`, :mod:`.run`: finding or starting the platform, the steps in order.
"""
