"""The routing tier as the engine sees it: which address reaches a route's routers (addresses.py), and one
probe of what they have learnt (probe.py). Nothing here knows Cloud Controller, and nothing here waits."""
