"""Writers: a document's page and options in, bytes out. Never YAML, git or the clock."""
