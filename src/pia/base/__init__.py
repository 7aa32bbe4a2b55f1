"""The bottom layer: errors, dates, safe reading, findings and their vocabulary. Imports no other layer."""
