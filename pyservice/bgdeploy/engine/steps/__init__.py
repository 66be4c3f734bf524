"""One module per kind of step; each step is small, named, and safe to run again."""
