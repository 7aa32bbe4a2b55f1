"""Change history: semantic diff of assessment versions and 別添3 rows."""
