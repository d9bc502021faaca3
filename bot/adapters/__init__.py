"""Discord-side pieces the cogs share: the `[event]` option, the RSVP buttons, the
announcement channel, attendee roles and Discord scheduled events. Cogs import these,
never each other."""
