"""magnerve: magnesium status and nerve health."""
__version__ = "0.1.0"
