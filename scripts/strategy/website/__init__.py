"""Stage 3a: the browsable site, built by MkDocs with Material and this package's plugin."""
