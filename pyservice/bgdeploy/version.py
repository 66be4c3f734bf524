"""The one version of cf bg-deploy: the engine package's (pyproject reads it) and the plugin's (make passes it
to the Go build), so `cf plugins`, the wheel and the engine's GetInfo all show the same number."""

VERSION = "0.1.0"
