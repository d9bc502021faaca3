"""The sandbox console: the real bot on the local Discord, in a terminal."""
