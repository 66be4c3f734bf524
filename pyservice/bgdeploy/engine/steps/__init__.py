"""One module per step; each step is small, named, and safe to run again. A step imports plan, observe
and actions, never another step."""
