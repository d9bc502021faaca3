"""Discord-side pieces the cogs share: the `[event]` option, the RSVP buttons, the
announcement channel, attendee roles and Discord scheduled events; and the work that
runs beside a cog, not behind a command: the outbox's notices delivered and said, and the
announcement messages kept current. Cogs import these, never each other."""
