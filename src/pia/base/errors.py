"""The one exception type: pia cannot do what was asked (bad arguments, unwritable output...)."""


class PiaError(Exception):
    """A message in Japanese for the user; the CLI prints it and exits 2."""
