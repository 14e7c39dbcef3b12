"""Data files shipped with magnerve (see each file for its source)."""
