"""Route modules of the JSON API, one per resource."""
