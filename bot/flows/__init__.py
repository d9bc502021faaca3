"""The application layer: what the bot does, between the Discord adapters (and the CLI)
and storage. A flow takes the store and plain values, applies the rules through the
store's repositories and says what happened; it knows nothing of interactions.

- `flows.events`: which event an `[event]` option or a CLI argument means.
- `flows.registration`: joining, cancelling, capacity, closing and reopening, each
  followed by the registration-change signal the announcement editor and the role
  sync listen to.
- `flows.importing`: one page imported: read, checked, previewed as a plan, saved.
- `flows.channels`: which channel the bot announces in, when none is named.
- `bot.catalog`: importing pages and event folders (the bot, the CLI and the samples).
"""
