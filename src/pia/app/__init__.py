"""The command line and what only it does: serve, init, new, import, ci, council."""
