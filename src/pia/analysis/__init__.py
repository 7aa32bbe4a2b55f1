"""Checking a folder: validation findings, rules, the rule catalog, fix and migrate."""
