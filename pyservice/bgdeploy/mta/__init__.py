"""MTA archives and descriptors: read, merge, resolve into a DeploymentModel (see model.py)."""
