"""The publication site for residents (`pia site`) and the pages it shares with `pia status` and the reports."""
