"""The form as data: schemas, items by code, kinds, versions and layouts. Knows no loaded folder."""
