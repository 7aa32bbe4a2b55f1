"""The body's documents: rendering a folder, status, build, reports and the residents' site."""
